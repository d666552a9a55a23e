# bpf_skeleton(NAME SOURCE [LIGHT] [DEFINES DEF...])
# Compiles SOURCE (a *.bpf.c file) with clang for the BPF target, links it with `bpftool gen object`
# (which drops DWARF, keeping BTF) and generates a skeleton header for the struct NAME_bpf:
# NAME.skel.h with `bpftool gen skeleton` (libbpf opens and loads the object), or, with LIGHT,
# NAME.lskel.h with `bpftool gen skeleton -L` (a loader program that the kernel runs to create the maps
# and load the programs, with CO-RE resolved by the kernel; no libbpf at load time).
# DEFINES are passed to clang as -D.
# Creates the INTERFACE target NAME_skel: link it to get the skeleton header as a SYSTEM include, so
# generated code is not held to the project's warning flags.
# Headers included by SOURCE are tracked through clang's depfile. Nothing reads the running kernel.

find_program(BPF_CLANG NAMES clang clang-19 clang-16 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

execute_process(COMMAND ${BPF_CLANG} --version OUTPUT_VARIABLE _bpf_clang_version_text)
string(REGEX MATCH "version ([0-9]+)" _ "${_bpf_clang_version_text}")
if(CMAKE_MATCH_1 LESS 12)
  message(FATAL_ERROR "${BPF_CLANG} is clang ${CMAKE_MATCH_1}; BPF CO-RE with -mcpu=v3 needs clang 12 or newer")
endif()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  message(FATAL_ERROR "unsupported architecture ${CMAKE_SYSTEM_PROCESSOR} for the BPF programs")
endif()

# The BPF side includes kernel UAPI headers (linux/bpf.h); asm/types.h lives in the multiarch folder.
set(BPF_SYSTEM_INCLUDES -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE} -idirafter /usr/include)

function(bpf_skeleton name source)
  cmake_parse_arguments(PARSE_ARGV 2 arg "LIGHT" "" "DEFINES")
  list(TRANSFORM arg_DEFINES PREPEND -D)
  get_filename_component(source_abs ${source} ABSOLUTE)
  get_filename_component(source_dir ${source_abs} DIRECTORY)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(raw_obj ${out_dir}/${name}.tmp.o)
  set(obj ${out_dir}/${name}.bpf.o)
  if(arg_LIGHT)
    set(skel ${out_dir}/${name}.lskel.h)
    set(light_flag -L)
  else()
    set(skel ${out_dir}/${name}.skel.h)
    set(light_flag "")
  endif()
  file(MAKE_DIRECTORY ${out_dir})

  add_custom_command(
    OUTPUT ${raw_obj}
    COMMAND ${BPF_CLANG} -target bpf -mcpu=v3 -O2 -g -Wall -Werror
            -D__TARGET_ARCH_${BPF_TARGET_ARCH} ${arg_DEFINES} -I${source_dir} ${BPF_SYSTEM_INCLUDES}
            -MD -MF ${raw_obj}.d -c ${source_abs} -o ${raw_obj}
    DEPFILE ${raw_obj}.d
    DEPENDS ${source_abs}
    COMMENT "BPF ${name}: compiling ${source}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPFTOOL} gen object ${obj} ${raw_obj}
    DEPENDS ${raw_obj}
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${light_flag} ${obj} name ${name}_bpf > ${skel}.tmp && mv ${skel}.tmp ${skel}"
    DEPENDS ${obj}
    COMMENT "BPF ${name}: generating skeleton"
    VERBATIM)

  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel SYSTEM INTERFACE ${out_dir})
  add_dependencies(${name}_skel ${name}_skel_gen)
endfunction()
