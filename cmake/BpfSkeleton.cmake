# bpf_skeleton(NAME SOURCES SOURCE... [LIGHT] [DEFINES DEF...])
# Compiles each SOURCE (a *.bpf.c file: one program, or maps and functions the programs share) with
# clang for the BPF target, links the objects in the order given into one with `bpftool gen object`
# (libbpf's static linker: it resolves each object's extern maps, globals and functions to their one
# definition, and drops DWARF, keeping BTF) and generates a skeleton header for the struct NAME_bpf:
# NAME.skel.h with `bpftool gen skeleton` (libbpf opens and loads the object), or, with LIGHT,
# NAME.lskel.h with `bpftool gen skeleton -L` (a loader program that the kernel runs to create the maps
# and load the programs, with CO-RE resolved by the kernel; no libbpf at load time).
# DEFINES are passed to clang as -D. A source is compiled once for each set of DEFINES, whatever the
# number of skeletons that link it.
# Creates the INTERFACE target NAME_skel: link it to get the skeleton header as a SYSTEM include, so
# generated code is not held to the project's warning flags.
# Headers included by a SOURCE are tracked through clang's depfile. Nothing reads the running kernel.

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

# The object of one source with one set of defines, compiled by a target of its own (the one rule for
# that file, however many skeletons link it). Sets out_var to its path and target_var to that target.
function(_bpf_object source defines out_var target_var)
  get_filename_component(source_abs ${source} ABSOLUTE)
  get_filename_component(source_dir ${source_abs} DIRECTORY)
  get_filename_component(stem ${source_abs} NAME_WE)
  set(variant "${stem}")
  foreach(define IN LISTS defines)
    string(MAKE_C_IDENTIFIER "${define}" define_id)
    string(APPEND variant "-${define_id}")
  endforeach()
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/bpf/objects/${variant}.o)
  string(MAKE_C_IDENTIFIER "bpf_object_${variant}" target)
  if(NOT TARGET ${target})
    list(TRANSFORM defines PREPEND -D OUTPUT_VARIABLE define_flags)
    file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/bpf/objects)
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${BPF_CLANG} -target bpf -mcpu=v3 -O2 -g -Wall -Werror
              -D__TARGET_ARCH_${BPF_TARGET_ARCH} ${define_flags} -I${source_dir} ${BPF_SYSTEM_INCLUDES}
              -MD -MF ${obj}.d -c ${source_abs} -o ${obj}
      DEPFILE ${obj}.d
      DEPENDS ${source_abs}
      COMMENT "BPF: compiling ${source}"
      VERBATIM)
    add_custom_target(${target} DEPENDS ${obj})
  endif()
  set(${out_var} ${obj} PARENT_SCOPE)
  set(${target_var} ${target} PARENT_SCOPE)
endfunction()

function(bpf_skeleton name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "LIGHT" "" "SOURCES;DEFINES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "bpf_skeleton(${name}): no SOURCES")
  endif()
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(obj ${out_dir}/${name}.bpf.o)
  if(arg_LIGHT)
    set(skel ${out_dir}/${name}.lskel.h)
    set(light_flag -L)
  else()
    set(skel ${out_dir}/${name}.skel.h)
    set(light_flag "")
  endif()
  file(MAKE_DIRECTORY ${out_dir})

  set(objects "")
  set(object_targets "")
  foreach(source IN LISTS arg_SOURCES)
    _bpf_object(${source} "${arg_DEFINES}" object object_target)
    list(APPEND objects ${object})
    list(APPEND object_targets ${object_target})
  endforeach()

  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPFTOOL} gen object ${obj} ${objects}
    DEPENDS ${objects}
    COMMENT "BPF ${name}: linking"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${light_flag} ${obj} name ${name}_bpf > ${skel}.tmp && mv ${skel}.tmp ${skel}"
    DEPENDS ${obj}
    COMMENT "BPF ${name}: generating skeleton"
    VERBATIM)

  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  # The objects are built by their own targets first, so two skeletons never compile one at once.
  add_dependencies(${name}_skel_gen ${object_targets})
  add_library(${name}_skel INTERFACE)
  target_include_directories(${name}_skel SYSTEM INTERFACE ${out_dir})
  add_dependencies(${name}_skel ${name}_skel_gen)
endfunction()
