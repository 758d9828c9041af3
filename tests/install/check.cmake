# Installs the build tree into a scratch prefix, then builds and runs an
# outside project against it twice: through find_package(shmfb) and through
# pkg-config.  Run as:
#   cmake -DBUILD=<build dir> -DSRC=<the outside project> -DWORK=<scratch> -P check.cmake
file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})

# CMake package.
run(${CMAKE_COMMAND} -S ${SRC} -B ${WORK}/cmake -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK}/cmake)
run(${WORK}/cmake/uses_shmfb ${WORK}/cmake.png)
if(NOT run_out MATCHES "^ok" OR NOT EXISTS ${WORK}/cmake.png)
  message(FATAL_ERROR "the CMake-package build did not work: ${run_out}")
endif()

# pkg-config.
file(GLOB pcdir ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
run(pkg-config --cflags --libs shmfb-png shmfb)
string(STRIP "${run_out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
file(GLOB libdir ${prefix}/lib*/libshmfb.so ${prefix}/lib/*/libshmfb.so)
get_filename_component(libdir "${libdir}" DIRECTORY)
run(cc -std=c11 -o ${WORK}/pc_uses ${SRC}/uses_shmfb.c ${flags} -Wl,-rpath,${libdir})
run(${WORK}/pc_uses ${WORK}/pc.png)
if(NOT run_out MATCHES "^ok")
  message(FATAL_ERROR "the pkg-config build did not work: ${run_out}")
endif()
file(REMOVE_RECURSE ${WORK})
