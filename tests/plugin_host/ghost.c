/* A library that fake_missing_dep links against and that is then nowhere to be found. */
int ghost_function(void) { return 7; }
