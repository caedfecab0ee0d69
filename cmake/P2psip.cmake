# Shared build rules: warnings, sanitizers, and the helpers every module uses.

set(P2PSIP_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2)

if(P2PSIP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(P2PSIP_FUZZ)
  # Libraries get coverage instrumentation; only fuzz targets link the libFuzzer main.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# p2psip_library(NAME SOURCES... [DEPS ...]) : a static library with warnings on.
function(p2psip_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${P2PSIP_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# p2psip_unit_test(NAME SOURCES... DEPS ...) : a doctest executable registered in ctest
# under the label "unit". The doctest main lives in tests/unit/doctest_main.cpp.
function(p2psip_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${PROJECT_SOURCE_DIR}/tests/unit/doctest_main.cpp ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${P2PSIP_WARNINGS})
  target_link_libraries(${name} PRIVATE doctest::doctest ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE
    P2PSIP_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
  add_dependencies(unit_tests ${name})
endfunction()

# p2psip_integration_test(NAME SCRIPT [TIMEOUT s] [LABELS ...]) : a Python script under
# tests/integration that starts real processes. It gets the binary as $P2P_BIN. Exit 77
# (harness.skip(): a tool missing, not root, a capture that did not start) shows as skipped,
# never as passed; scripts/test.sh fails a run with any skipped test.
function(p2psip_integration_test name script)
  cmake_parse_arguments(ARG "" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND python3 -u ${CMAKE_CURRENT_SOURCE_DIR}/${script})
  set_tests_properties(${name} PROPERTIES
    LABELS "integration;${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} SKIP_RETURN_CODE 77
    ENVIRONMENT "P2P_BIN=$<TARGET_FILE:p2psip>;P2P_SOURCE_DIR=${PROJECT_SOURCE_DIR};P2P_BUILD_DIR=${PROJECT_BINARY_DIR};PYTHONDONTWRITEBYTECODE=1")
endfunction()

# p2psip_fuzz_target(NAME SOURCE DEPS ...) : a libFuzzer executable (P2PSIP_FUZZ builds only).
function(p2psip_fuzz_target name source)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  add_executable(${name} ${source})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# Adds each listed subdirectory that has a CMakeLists.txt (modules grow one at a time).
macro(p2psip_add_present_subdirs)
  foreach(dir ${ARGN})
    if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/CMakeLists.txt)
      add_subdirectory(${dir})
    endif()
  endforeach()
endmacro()
