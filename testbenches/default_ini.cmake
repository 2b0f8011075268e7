# Writes OUT: testbenches/scenarios/default.ini (IN) as a C string, cpo_default_ini[], the
# built-in defaults. Run at build time, so an edited default.ini is what the next build runs.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
set(text "/* Generated from ${IN} by default_ini.cmake: do not edit. */\n"
         "const char cpo_default_ini[] = {${bytes} 0x00};\n")
file(WRITE ${OUT}.tmp "${text}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
