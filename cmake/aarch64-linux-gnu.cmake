# Cross-builds for arm64 (aarch64) on another Debian machine, with Debian's cross toolchain
# (crossbuild-essential-arm64) and the arm64 libraries installed beside the host's through multiarch
# (libbpf-dev:arm64 and the others of `scripts/install-deps.sh arm64`).
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# The BPF programs are still compiled by the host's clang and bpftool, for arm64's registers (the
# processor below selects __TARGET_ARCH_arm64 in BpfSkeleton.cmake).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Multiarch keeps arm64 libraries in /usr/lib/aarch64-linux-gnu, which the compiler's library
# architecture already puts first; the x86_64 folder is never searched. Programs run on the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
