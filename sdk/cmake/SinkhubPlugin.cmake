# SinkhubPlugin.cmake -- sinkhub_add_plugin(): build a sinkhub sink plugin.
#
#   sinkhub_add_plugin(<name> SOURCES <src>...
#                      [LINK_LIBRARIES <lib>...]
#                      [OUTPUT_DIRECTORY <dir>]
#                      [INSTALL_DESTINATION <dir> | NO_INSTALL])
#   (`sinkhub_add_plugin(NAME <name> SOURCES ...)` is accepted too.)
#
# Creates a MODULE library <name> producing `<name>.so` (no `lib` prefix) that
#   - links sinkhub::sdk (the headers),
#   - compiles with hidden visibility (C and C++, inline functions too),
#   - links with a version script exporting only sinkhub_plugin_entry_v*,
#     and with --no-undefined so a missing symbol fails at link time, not at
#     load time in the daemon,
#   - installs to lib/sinkhub/plugins (the daemon's plugin directory, deliberately not
#     multiarch: /usr/lib/sinkhub/plugins for prefix /usr) unless NO_INSTALL.
# This very file is used by the in-tree plugins and installed with the SDK.
include_guard(GLOBAL)
include(GNUInstallDirs)

set(SINKHUB_PLUGIN_VERSION_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/sinkhub_plugin.map"
    CACHE INTERNAL "Linker version script for sinkhub plugins")

function(sinkhub_add_plugin)
  set(args ${ARGN})
  list(GET args 0 first)
  if(first STREQUAL "NAME")
    list(REMOVE_AT args 0)
  endif()
  list(GET args 0 name)
  list(REMOVE_AT args 0)
  cmake_parse_arguments(SHP "NO_INSTALL" "OUTPUT_DIRECTORY;INSTALL_DESTINATION"
                        "SOURCES;LINK_LIBRARIES" ${args})
  if(NOT name OR NOT SHP_SOURCES)
    message(FATAL_ERROR "sinkhub_add_plugin(<name> SOURCES <src>...): name and SOURCES are required")
  endif()
  if(NOT TARGET sinkhub::sdk)
    message(FATAL_ERROR "sinkhub_add_plugin: target sinkhub::sdk not found (find_package(sinkhub-sdk) first)")
  endif()

  add_library(${name} MODULE ${SHP_SOURCES})
  target_link_libraries(${name} PRIVATE sinkhub::sdk ${SHP_LINK_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    SUFFIX ".so"
    OUTPUT_NAME "${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    LINK_DEPENDS "${SINKHUB_PLUGIN_VERSION_SCRIPT}")
  if(SHP_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${SHP_OUTPUT_DIRECTORY}")
  endif()
  if(CMAKE_SYSTEM_NAME MATCHES "Linux|FreeBSD|NetBSD|OpenBSD")
    target_link_options(${name} PRIVATE
      "LINKER:--version-script=${SINKHUB_PLUGIN_VERSION_SCRIPT}"
      "LINKER:--no-undefined")
  endif()
  if(NOT SHP_NO_INSTALL)
    if(NOT SHP_INSTALL_DESTINATION)
      set(SHP_INSTALL_DESTINATION "lib/sinkhub/plugins")
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION "${SHP_INSTALL_DESTINATION}")
  endif()
endfunction()
