# Smoke test of the benchmark: a tiny run must exit 0, print a row with
# figures for every measurement (the round trips in every placement) and
# every ratio, and its --json output must parse and hold the same rows;
# --load and --pin must run what they say; bad arguments must be refused.
# Timings are never judged here.
#
# Run as: cmake -DBENCH=<path to shmfb-bench> -P smoke.cmake
cmake_minimum_required(VERSION 3.19) # string(JSON)

set(_bench_names
    memcpy_hot
    memcpy_cold
    memcpy_damage
    futex_pingpong
    spin_pingpong
    shm_loop
    unix_socket
    pipe
    shmfb_empty
    shmfb_fifo
    shmfb_damage
    shmfb_free
    shmfb_mailbox
    shmfb_mailbox_acquire
    shmfb_present_held
    shmfb_input)
set(_bench_round_trips futex_pingpong spin_pingpong shmfb_empty)
# Ratio rows: "name[^\n]* basis" as a regular expression.
set(_bench_ratios
    "shmfb_empty / futex_pingpong[^\n]* p50 time"
    "shmfb_empty / futex_pingpong[^\n]* p99 time"
    "shmfb_fifo / shm_loop"
    "shmfb_fifo / unix_socket"
    "shmfb_fifo / pipe"
    "damage speed-up"
    "shmfb_mailbox / shmfb_fifo"
    "shmfb_mailbox / unix_socket"
    "mailbox_acquire / shmfb_fifo"
    "present p99, consumer holds a frame[^\n]* p99 us"
    "present_held / memcpy_damage[^\n]* p99 time")

function(bench_run out_var rc_var)
  execute_process(COMMAND ${BENCH} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err TIMEOUT 240)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(bench_stderr "${err}" PARENT_SCOPE)
endfunction()

set(_args --iterations 20 --size 320x240)

# The table.
bench_run(out rc ${_args})
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "shmfb-bench ${_args} exited with '${rc}'\n${out}\n${bench_stderr}")
endif()
set(_figures "20 +[0-9]+\\.[0-9]+ +[0-9]+\\.[0-9]+ ")
foreach(name IN LISTS _bench_names)
  if(NOT out MATCHES "(^|\n)${name} +(320x240|-) +any +${_figures}")
    message(FATAL_ERROR "no row with figures for ${name}:\n${out}\n${bench_stderr}")
  endif()
endforeach()
# The round trips also run on one CPU and on two (or say why they cannot).
foreach(name IN LISTS _bench_round_trips)
  if(NOT out MATCHES "\n${name} +- +same +${_figures}")
    message(FATAL_ERROR "no row for ${name} on one CPU:\n${out}\n${bench_stderr}")
  endif()
  if(NOT out MATCHES "\n${name} +- +split +(${_figures}|0  skipped: needs two CPUs)")
    message(FATAL_ERROR "no row for ${name} on two CPUs:\n${out}\n${bench_stderr}")
  endif()
endforeach()
foreach(ratio IN LISTS _bench_ratios)
  if(NOT out MATCHES "\n${ratio}[^\n]* [0-9]+\\.[0-9]+ ")
    message(FATAL_ERROR "no ratio '${ratio}' with a value:\n${out}")
  endif()
endforeach()
if(NOT out MATCHES "\nshmfb_empty / futex_pingpong +- +same +p50 time +[0-9]")
  message(FATAL_ERROR "no handoff ratio on one CPU:\n${out}")
endif()
if(NOT out MATCHES "machine: [^\n]+, [0-9]+ cores, " OR NOT out MATCHES "\nload: none added\n")
  message(FATAL_ERROR "no machine description:\n${out}")
endif()

# The same as JSON.
bench_run(json rc ${_args} --json)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "shmfb-bench --json exited with '${rc}'\n${json}\n${bench_stderr}")
endif()
string(JSON n ERROR_VARIABLE jerr LENGTH "${json}" results)
if(jerr)
  message(FATAL_ERROR "--json output does not parse: ${jerr}\n${json}")
endif()
set(seen "")
math(EXPR last "${n} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${json}" results ${i} name)
  string(JSON ok GET "${json}" results ${i} ok)
  string(JSON p50 GET "${json}" results ${i} p50_ns)
  if(NOT ok OR NOT p50 MATCHES "^[0-9.e+]+$")
    message(FATAL_ERROR "JSON result ${name} failed or has no p50: ${ok} ${p50}")
  endif()
  string(JSON cpus GET "${json}" results ${i} cpus)
  if(NOT cpus MATCHES "^(any|split|same)$")
    message(FATAL_ERROR "JSON result ${name} has cpus '${cpus}'")
  endif()
  list(APPEND seen ${name})
endforeach()
foreach(name IN LISTS _bench_names)
  if(NOT name IN_LIST seen)
    message(FATAL_ERROR "JSON results lack ${name}: ${seen}")
  endif()
endforeach()
string(JSON nratios LENGTH "${json}" ratios)
list(LENGTH _bench_ratios want)
if(nratios LESS want)
  message(FATAL_ERROR "JSON has ${nratios} ratios, expected at least ${want}")
endif()
string(JSON cores GET "${json}" machine cores)
if(NOT cores GREATER 0)
  message(FATAL_ERROR "JSON machine.cores is '${cores}'")
endif()

# Arguments.
bench_run(out rc --help)
if(NOT rc STREQUAL "0" OR NOT out MATCHES "--iterations")
  message(FATAL_ERROR "--help: exit '${rc}'\n${out}")
endif()
foreach(bad "--size;0x240" "--size;320" "--iterations;-3" "--iterations;ten" "--only;nope"
        "--frobnicate" "--iterations" "--pin;both" "--pin" "--load;1")
  bench_run(out rc ${bad})
  if(NOT rc STREQUAL "2" OR NOT bench_stderr MATCHES "--help")
    message(FATAL_ERROR "'${bad}' should be refused with exit 2: exit '${rc}'\n${bench_stderr}")
  endif()
endforeach()

# --only runs just what it names.
bench_run(out rc --iterations 5 --size 64x64 --only memcpy_hot,shmfb_empty)
if(NOT rc STREQUAL "0" OR NOT out MATCHES "\nmemcpy_hot " OR NOT out MATCHES "\nshmfb_empty "
   OR out MATCHES "\nshm_loop ")
  message(FATAL_ERROR "--only: exit '${rc}'\n${out}\n${bench_stderr}")
endif()

# --pin puts every measurement in one placement.
bench_run(out rc --iterations 5 --size 64x64 --pin same --only futex_pingpong,shmfb_mailbox)
if(NOT rc STREQUAL "0"
   OR NOT out MATCHES "\nfutex_pingpong +- +same +5 "
   OR NOT out MATCHES "\nshmfb_mailbox +64x64 +same +5 "
   OR out MATCHES "\n[a-z_]+ +[-0-9x]+ +(any|split) ")
  message(FATAL_ERROR "--pin same: exit '${rc}'\n${out}\n${bench_stderr}")
endif()

# --load: a busy process on the last CPU for the whole run, said in the
# header and the JSON.
bench_run(out rc --iterations 5 --size 64x64 --load --only shmfb_empty,shmfb_present_held)
if(NOT rc STREQUAL "0"
   OR NOT out MATCHES "\nload: a process spinning on CPU [0-9]+ for the whole run\n"
   OR NOT out MATCHES "\nshmfb_present_held +64x64 +any +5 ")
  message(FATAL_ERROR "--load: exit '${rc}'\n${out}\n${bench_stderr}")
endif()
bench_run(json rc --iterations 5 --size 64x64 --load --only shmfb_empty --json)
string(JSON load_cpu ERROR_VARIABLE jerr GET "${json}" load_cpu)
if(NOT rc STREQUAL "0" OR jerr OR NOT load_cpu MATCHES "^[0-9]+$")
  message(FATAL_ERROR "--load --json: exit '${rc}', load_cpu '${load_cpu}' ${jerr}\n${json}")
endif()
