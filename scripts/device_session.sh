#!/usr/bin/env bash
# One prepared command for a lent GPU machine (the `run` tool), within its 10-minute limit:
#   1. benchmarks/bench_synth_batched.py: crops/s of the batched (GPU) data path, the card named (512 crops a
#      render call, as training renders 16 batches of 32 at a time);
#   2. scripts/device_train.py: trains MODEL in RUN for MINUTES, with the crops rendered on the GPU when (1)
#      measured it faster than the CPU path (session 3: 990 crops/s with 15 processes), else on the CPU;
#   3. with HANDEDNESS_MINUTES set: the handedness classifier on crops rendered on the fly
#      (runs/handedness-gpu continued when it is there).
# Everything goes to $OUT. Usage (on the device, from the repository root):
#   bash scripts/device_session.sh MINUTES MODEL RUN [extra device_train.py options]
#   bash scripts/device_session.sh 6 pwr runs/pwr --reuse 2
# The pose bank travels as .devdata/ (carried, git-ignored) and is put where ../shared/data would hold it.
set -u
: "${OUT:?set OUT to the folder whose files come back}"
MINUTES=${1:-6}
MODEL=${2:-pwr}
RUN=${3:-runs/$MODEL}
shift 3 || true
WORKERS=$(( $(nproc) - 1 ))
BANK=""
if [ -f .devdata/animbank.pose ]; then
  mkdir -p ../shared/data/intel-hand-model && cp .devdata/animbank.pose .devdata/model_hand.json ../shared/data/intel-hand-model/
  BANK="--pose-bank ../shared/data/intel-hand-model"
fi
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" 2>&1 || true
timeout 150 python3 benchmarks/bench_synth_batched.py --batch ${BENCH_BATCH:-512} --workers "$WORKERS" --crops-per-scene 2 \
  --batches ${BENCH_BATCHES:-6} --json "$OUT/bench-synth-batched.json" > "$OUT/bench-synth-batched.txt" 2>&1
echo "bench exit $?"; cat "$OUT/bench-synth-batched.txt"
DATA=$(python3 -c "
import json, sys
try:
    rate = json.load(open('$OUT/bench-synth-batched.json'))['end_to_end_crops_per_s']
except Exception:
    rate = 0
print('--render-on-device --crops-per-scene 2' if rate > 1500 else '')
")
echo "data path: ${DATA:-CPU processes}"
python3 scripts/device_train.py --model "$MODEL" --run "$RUN" --minutes "$MINUTES" --workers "$WORKERS" \
  --checkpoint-every 2 $BANK $DATA "$@" --out "$OUT"
if [ "${HANDEDNESS_MINUTES:-0}" != "0" ]; then
  [ -d runs/handedness-gpu ] && cp -r runs/handedness-gpu "$OUT/"
  python3 -m handtrack.training.handedness stream --run "$OUT/handedness-gpu" --minutes "$HANDEDNESS_MINUTES" \
    --workers "$WORKERS" --validation-palm anatomical $BANK > "$OUT/handedness.txt" 2>&1
  echo "handedness exit $?"; tail -3 "$OUT/handedness.txt"
fi
