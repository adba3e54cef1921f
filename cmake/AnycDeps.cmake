# Finds the project's dependencies and fails configure with the Debian package to
# install when one is missing.  libuv: pkg-config.  cmocka: its CMake config, else
# pkg-config.  libclang: Debian's versioned installs, newest first (llvm-config-N).
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

pkg_check_modules(LIBUV IMPORTED_TARGET libuv>=1.44)
if(NOT LIBUV_FOUND)
  message(FATAL_ERROR "libuv (>= 1.44) not found: apt-get install libuv1-dev")
endif()
message(STATUS "anyc: libuv ${LIBUV_VERSION}")

# Valgrind's client-request header is header-only; use it when present so programs on
# anyc run under memcheck without "client switching stacks?" warnings.
find_path(VALGRIND_INCLUDE_DIR valgrind/valgrind.h)

if(ANYC_BUILD_TESTS)
  find_package(cmocka CONFIG QUIET)
  if(cmocka_FOUND AND TARGET cmocka::cmocka)
    set(ANYC_CMOCKA cmocka::cmocka)
  else()
    pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)
    if(NOT CMOCKA_FOUND)
      message(FATAL_ERROR "cmocka not found: apt-get install libcmocka-dev "
                          "(or configure with -DANYC_BUILD_TESTS=OFF)")
    endif()
    set(ANYC_CMOCKA PkgConfig::CMOCKA)
  endif()
endif()

if(ANYC_BUILD_REWRITER)
  set(ANYC_LLVM_CONFIG "" CACHE FILEPATH "llvm-config to take libclang from")
  if(NOT ANYC_LLVM_CONFIG)
    foreach(v 19 18 17 16 15 14)
      find_program(ANYC_LLVM_CONFIG_${v} llvm-config-${v})
      if(ANYC_LLVM_CONFIG_${v})
        execute_process(COMMAND ${ANYC_LLVM_CONFIG_${v}} --includedir
                        OUTPUT_VARIABLE inc OUTPUT_STRIP_TRAILING_WHITESPACE)
        if(EXISTS "${inc}/clang-c/Index.h")
          set(ANYC_LLVM_CONFIG ${ANYC_LLVM_CONFIG_${v}})
          break()
        endif()
      endif()
    endforeach()
  endif()
  if(NOT ANYC_LLVM_CONFIG)
    message(FATAL_ERROR "libclang not found (tried llvm-config-19 down to -14): "
            "apt-get install libclang-14-dev llvm-14-dev "
            "(or configure with -DANYC_BUILD_REWRITER=OFF)")
  endif()
  execute_process(COMMAND ${ANYC_LLVM_CONFIG} --includedir
                  OUTPUT_VARIABLE LIBCLANG_INCLUDE_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${ANYC_LLVM_CONFIG} --libdir
                  OUTPUT_VARIABLE LIBCLANG_LIB_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${ANYC_LLVM_CONFIG} --version
                  OUTPUT_VARIABLE LIBCLANG_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
  find_library(LIBCLANG_LIBRARY NAMES clang libclang PATHS ${LIBCLANG_LIB_DIR} NO_DEFAULT_PATH)
  if(NOT LIBCLANG_LIBRARY OR NOT EXISTS "${LIBCLANG_INCLUDE_DIR}/clang-c/Index.h")
    message(FATAL_ERROR "libclang headers or library missing under ${LIBCLANG_LIB_DIR}: "
            "apt-get install libclang-14-dev")
  endif()
  add_library(anyc_libclang INTERFACE IMPORTED)
  target_include_directories(anyc_libclang INTERFACE ${LIBCLANG_INCLUDE_DIR})
  target_link_libraries(anyc_libclang INTERFACE ${LIBCLANG_LIBRARY})
  message(STATUS "anyc: libclang ${LIBCLANG_VERSION} from ${ANYC_LLVM_CONFIG} (${LIBCLANG_LIBRARY})")
endif()
