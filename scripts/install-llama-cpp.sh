#!/usr/bin/env bash
# Install llama-cpp-python built for this CPU family, never with llama.cpp's AMX kernels.
#
# Why: a native build (llama-cpp-python's default) enables the AMX matrix kernels on CPUs that
# report AMX, and those kernels crash with a segmentation fault (llama.cpp issue 20824). This
# script builds with GGML_NATIVE=OFF and names the x86 extensions to use explicitly, taking
# each one only if /proc/cpuinfo reports it.
#
# pip's own wheel cache keys a built wheel by name and version only, so a wheel built earlier
# with other flags would be reused silently. The wheel is therefore built with --no-cache-dir
# into a folder named after the version *and* the flags, and installed from there.
#
# Usage: scripts/install-llama-cpp.sh PYTHON [VERSION]
set -euo pipefail

python=${1:?usage: install-llama-cpp.sh PYTHON [VERSION]}
version=${2:-0.3.36}

flags=(-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
  cpu=$(grep -m1 '^flags' /proc/cpuinfo)
  has() { [[ " $cpu " == *" $1 "* ]]; }
  has avx && flags+=(-DGGML_AVX=ON) || flags+=(-DGGML_AVX=OFF)
  has avx2 && flags+=(-DGGML_AVX2=ON) || flags+=(-DGGML_AVX2=OFF)
  has fma && flags+=(-DGGML_FMA=ON) || flags+=(-DGGML_FMA=OFF)
  has f16c && flags+=(-DGGML_F16C=ON) || flags+=(-DGGML_F16C=OFF)
  if has avx512f && has avx512bw && has avx512vl && has avx512dq; then
    flags+=(-DGGML_AVX512=ON)
  else
    flags+=(-DGGML_AVX512=OFF)
  fi
fi
cmake_args="${flags[*]}"

key=$(printf '%s %s' "$version" "$cmake_args" | sha256sum | cut -c1-16)
wheels="${COALIGN_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/coalign/wheels}/llama-cpp-python-$version-$key"
wheel=$(ls "$wheels"/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$wheel" ]; then
  echo "building llama-cpp-python $version ($cmake_args); about 6 minutes on 2 cores, once"
  mkdir -p "$wheels.partial"
  CMAKE_ARGS="$cmake_args" "$python" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
    "llama-cpp-python==$version" -w "$wheels.partial"
  printf '%s\n' "$cmake_args" > "$wheels.partial/CMAKE_ARGS"
  rm -rf "$wheels" && mv "$wheels.partial" "$wheels"
  wheel=$(ls "$wheels"/llama_cpp_python-"$version"-*.whl | head -n 1)
else
  echo "llama-cpp-python $version: reusing $wheel ($cmake_args)"
fi
"$python" -m pip install --force-reinstall --no-deps "$wheel"
# Its own dependencies (numpy, diskcache, jinja2, typing-extensions) from the index as usual.
"$python" -m pip install "$wheel"
