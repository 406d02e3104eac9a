# One place for the warning policy: -Wall -Wextra everywhere, -Werror on request (CI sets it).
function(sinkhub_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
                         $<$<BOOL:${SINKHUB_WERROR}>:-Werror>)
endfunction()
