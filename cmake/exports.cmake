# What a shared library exports: its header's SHMFB_EXPORT functions, each
# in one node of its symbol-version script (src/libshmfb.map,
# src/png/libshmfb-png.map).

# The names of the functions headers declare SHMFB_EXPORT (at the start of
# a line), sorted, in ${out}.
function(shmfb_header_exports out)
  set(names)
  foreach(header IN LISTS ARGN)
    file(READ ${header} text)
    string(REGEX MATCHALL "\nSHMFB_EXPORT[^(;#]*\\(" decls "${text}")
    foreach(decl IN LISTS decls)
      string(REGEX REPLACE ".*[ *\n]([A-Za-z_][A-Za-z0-9_]*)[ \n]*\\($" "\\1" name "${decl}")
      list(APPEND names ${name})
    endforeach()
  endforeach()
  list(SORT names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# The global names of a version script, sorted, in ${out}.
function(shmfb_map_exports map out)
  file(READ ${map} text)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
  string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*[ \t]*;" entries "${text}")
  set(names)
  foreach(entry IN LISTS entries)
    string(REGEX REPLACE "[ \t]*;$" "" name "${entry}")
    list(APPEND names ${name})
  endforeach()
  list(SORT names)
  set(${out} ${names} PARENT_SCOPE)
endfunction()

# Stops configuring when a library's headers and its version script
# disagree: a function missing from the script would not be exported at all.
function(shmfb_check_exports map)
  set(headers ${ARGN})
  shmfb_header_exports(declared ${headers})
  shmfb_map_exports(${map} listed)
  set(missing ${declared})
  set(extra ${listed})
  if(listed)
    list(REMOVE_ITEM missing ${listed})
  endif()
  if(declared)
    list(REMOVE_ITEM extra ${declared})
  endif()
  set(why)
  if(missing)
    string(APPEND why " Declared SHMFB_EXPORT but not in the script (so not exported): ${missing}.")
  endif()
  if(extra)
    string(APPEND why " In the script but declared by no header: ${extra}.")
  endif()
  if(why)
    message(FATAL_ERROR "${map} and the headers disagree.${why} New functions go in the node of "
                        "the coming release (see the top of ${map}).")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${headers} ${map})
endfunction()

# Links a shared library with its version script.
function(shmfb_version_script target map)
  target_link_options(${target} PRIVATE -Wl,--version-script=${map})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${map})
endfunction()
