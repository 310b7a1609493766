# cradle_bpf_skeleton(TARGET SOURCE): compiles SOURCE (a .bpf.c file) with clang into a BPF
# object and generates its libbpf skeleton header `<name>.skel.h`. The object is rebuilt when
# SOURCE, vmlinux.h, an ABI header (bpf/*_abi.h) or a kernel-side header (bpf/*.bpf.h) changes. TARGET becomes
# an INTERFACE library whose include path holds the skeleton, so linking it is enough to
# `#include "<name>.skel.h"`.

find_program(CLANG_EXECUTABLE NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL_EXECUTABLE NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(CRADLE_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(CRADLE_BPF_ARCH arm64)
else()
    message(FATAL_ERROR "no BPF target for processor '${CMAKE_SYSTEM_PROCESSOR}'")
endif()

set(CRADLE_VMLINUX_DIR ${CMAKE_SOURCE_DIR}/bpf/vmlinux/${CRADLE_BPF_ARCH})
if(CRADLE_REGENERATE_VMLINUX)
    execute_process(
        COMMAND ${BPFTOOL_EXECUTABLE} btf dump file /sys/kernel/btf/vmlinux format c
        OUTPUT_FILE ${CRADLE_VMLINUX_DIR}/vmlinux.h
        RESULT_VARIABLE regenerate_result)
    if(NOT regenerate_result EQUAL 0)
        message(FATAL_ERROR "regenerating vmlinux.h from /sys/kernel/btf/vmlinux failed")
    endif()
endif()
if(NOT EXISTS ${CRADLE_VMLINUX_DIR}/vmlinux.h)
    message(FATAL_ERROR "no vendored ${CRADLE_VMLINUX_DIR}/vmlinux.h; configure with -DCRADLE_REGENERATE_VMLINUX=ON")
endif()

function(cradle_bpf_skeleton target source)
    get_filename_component(name ${source} NAME_WE)
    set(object ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
    set(skeleton ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
    file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/bpf/*.bpf.h ${CMAKE_SOURCE_DIR}/bpf/*_abi.h)
    add_custom_command(
        OUTPUT ${object}
        COMMAND ${CLANG_EXECUTABLE} -g -O2 -target bpf -mcpu=v3
                -D__TARGET_ARCH_${CRADLE_BPF_ARCH}
                -I${CRADLE_VMLINUX_DIR} -I${CMAKE_SOURCE_DIR}/bpf
                -Wall -Werror
                -c ${CMAKE_CURRENT_SOURCE_DIR}/${source} -o ${object}
        DEPENDS ${source} ${headers} ${CMAKE_SOURCE_DIR}/bpf/cradle_abi.h ${CRADLE_VMLINUX_DIR}/vmlinux.h
        COMMENT "BPF ${source}"
        VERBATIM)
    add_custom_command(
        OUTPUT ${skeleton}
        COMMAND ${BPFTOOL_EXECUTABLE} gen skeleton ${object} > ${skeleton}
        DEPENDS ${object}
        COMMENT "skeleton ${name}.skel.h"
        VERBATIM)
    add_custom_target(${target}_generate DEPENDS ${skeleton})
    add_library(${target} INTERFACE)
    add_dependencies(${target} ${target}_generate)
    target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
    target_link_libraries(${target} INTERFACE PkgConfig::LIBBPF)
endfunction()
