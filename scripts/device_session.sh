#!/usr/bin/env bash
# One prepared command for a lent GPU machine (the `run` tool), within its 10-minute limit:
#   1. benchmarks/bench_synth_batched.py: crops/s of the batched (GPU) data path, the card named (512 crops a
#      render call, as training renders 16 batches of 32 at a time); benchmarks/bench_train_step.py: the training
#      step in fp32 and under bf16 autocast at TRAIN_BATCH (default 32), compiled with CUDA graphs, and at 4x the
#      batch; PRECISION=auto and COMPILE=auto (defaults) train in bf16 / compiled when that is at least 1.2x faster;
#   2. scripts/device_train.py: trains MODEL in RUN for MINUTES, with the crops rendered on the GPU when (1)
#      measured it faster than the CPU path (session 3: 990 crops/s with 15 processes), else on the CPU;
#   3. with HANDEDNESS_MINUTES set: the handedness classifier on crops rendered on the fly
#      (runs/handedness-gpu continued when it is there).
# Knobs (environment): SYNTH_BENCH=0 skips (1) and BENCH_CROPS_PER_SCENE="4 8" sets (2) the synthetic-data
# benchmark; STEP_PRECISIONS="fp32" benchmarks the eager step in fp32 only; STEP_BENCH_4X=0 skips the 4x-batch step;
# STEP_BENCH_S bounds each step benchmark; STEP_COMPARE="pwr+torch-instance-norm" also benchmarks those variants
# (bench_train_step.py's VARIANTS) beside the eager step; DATA_PATH=device|cpu|auto; PRECISION, COMPILE fix what
# auto would pick (COMPILE=off also skips the compiled step's benchmark: session 14's did not compile pwr's step
# within 110 s).
# Everything goes to $OUT (the tool returns at most 8 files of at most 16 MiB each: a checkpoint larger than 15 MiB,
# such as pwr's with its Adam state, comes back as byte pieces checkpoint.pt.part-aa, -ab, ...; put it together with
# `cat RUN/checkpoint.pt.part-* > RUN/checkpoint.pt`). Usage (on the device, from the repository root):
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
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 || true
[ "${SYNTH_BENCH:-1}" = 1 ] && timeout 150 python3 benchmarks/bench_synth_batched.py --batch ${BENCH_BATCH:-512} --workers "$WORKERS" \
  --crops-per-scene ${BENCH_CROPS_PER_SCENE:-2} ${BENCH_MORE_CROPS_PER_SCENE:-} --batches ${BENCH_BATCHES:-6} --count-ops --json "$OUT/bench-synth-batched.json" 2>&1
echo "bench exit $?"
# the training step alone at the run's batch: fp32 eager, bf16 eager, and fp32 compiled with CUDA graphs (the step
# of small kernels waits on their launches: session 13, pwr took 68 ms per step of 32 and of 128 alike); then eager
# at 4x the batch. PRECISION=auto and COMPILE=auto (defaults) take bf16 / the compiled step when >= 1.2x faster.
TRAIN_BATCH=${TRAIN_BATCH:-32}
timeout ${STEP_BENCH_S:-240} python3 benchmarks/bench_train_step.py --device cuda --models "$MODEL" ${STEP_COMPARE:-} \
  --batch "$TRAIN_BATCH" --precision ${STEP_PRECISIONS:-fp32 bf16} --compile off --steps 20 --json "$OUT/bench-train-step.json" 2>&1
[ "${COMPILE:-auto}" != off ] && timeout ${STEP_BENCH_S:-240} python3 benchmarks/bench_train_step.py --device cuda --models "$MODEL" --batch "$TRAIN_BATCH" \
  --precision fp32 --compile cudagraphs --steps 20 --json "$OUT/bench-train-step-compiled.json" 2>&1
[ "${STEP_BENCH_4X:-1}" = 1 ] && timeout 60 python3 benchmarks/bench_train_step.py --device cuda --models "$MODEL" --batch $(( TRAIN_BATCH * 4 )) \
  --precision fp32 --compile off --steps 20 --json "$OUT/bench-train-step-4x.json" 2>&1
echo "train-step bench exit $?"
read -r PRECISION COMPILE < <(python3 -c "
import json, os
rows = []
for name in ('bench-train-step.json', 'bench-train-step-compiled.json', 'bench-train-step-4x.json'):
    if os.path.exists('$OUT/' + name):
        rows += json.load(open('$OUT/' + name))
json.dump(rows, open('$OUT/bench-train-step.json', 'w'), indent=2)
rate = {(r['precision'], r.get('compile', 'off')): r['samples_per_s'] for r in rows
        if r['batch'] == $TRAIN_BATCH and r['model'] == '$MODEL'}
base = rate.get(('fp32', 'off'), 0.0)
precision, compile = '${PRECISION:-auto}', '${COMPILE:-auto}'
if precision == 'auto':
    precision = 'bf16' if base and rate.get(('bf16', 'off'), 0.0) >= 1.2 * base else 'fp32'
if compile == 'auto':
    faster = base and rate.get(('fp32', 'cudagraphs'), 0.0) >= 1.2 * base
    compile = 'cudagraphs' if faster and precision == 'fp32' else 'off'
print(precision, compile)
")
rm -f "$OUT/bench-train-step-compiled.json" "$OUT/bench-train-step-4x.json"  # merged: the tool returns 8 files
PRECISION=${PRECISION:-fp32}; COMPILE=${COMPILE:-off}
echo "precision: $PRECISION, compiled step: $COMPILE"
DATA=$(python3 -c "
import json, sys
try:
    rate = json.load(open('$OUT/bench-synth-batched.json'))['end_to_end_crops_per_s']
except Exception:
    rate = 0
choice = '${DATA_PATH:-auto}'
device = rate > 1500 if choice == 'auto' else choice == 'device'
print('--render-on-device --crops-per-scene 2' if device else '')
")
echo "data path: ${DATA:-CPU processes}"
START=$SECONDS
LIMIT=$(python3 -c "print(int($MINUTES * 60 + 150))")  # a hung run is stopped in time to return its last checkpoint
timeout "$LIMIT" python3 scripts/device_train.py --model "$MODEL" --run "$RUN" --minutes "$MINUTES" --workers "$WORKERS" \
  --checkpoint-every 2 --batch "$TRAIN_BATCH" --precision "$PRECISION" --compile "$COMPILE" $BANK $DATA "$@" \
  --out "$OUT"
STATUS=$?
echo "training exit $STATUS"
LEFT=$(python3 -c "print(round($MINUTES - ($SECONDS - $START) / 60 - 0.5, 1))")
if [ "$STATUS" != 0 ] && python3 -c "import sys; sys.exit(not $LEFT >= 1)"; then
  # resumed from its own last checkpoint in $OUT (not RUN's, which would be copied over it)
  if [ "$COMPILE" != off ]; then
    echo "training with the compiled step failed: the $LEFT minutes left without compiling"; COMPILE=off
  elif [ -n "$DATA" ]; then
    echo "the device's data path failed: training on the CPU processes for the $LEFT minutes left"; DATA=""
  fi
  python3 scripts/device_train.py --model "$MODEL" --run "$OUT/$(basename "$RUN")" --minutes "$LEFT" \
    --workers "$WORKERS" --checkpoint-every 2 --batch "$TRAIN_BATCH" --precision "$PRECISION" --compile "$COMPILE" \
    $BANK $DATA "$@" --out "$OUT"
  echo "training exit $?"
fi
CKPT="$OUT/$(basename "$RUN")/checkpoint.pt"
if [ -f "$CKPT" ] && [ "$(stat -c %s "$CKPT")" -gt "${SPLIT_AT:-15728640}" ]; then
  split -b "${SPLIT_AT:-15728640}" "$CKPT" "$CKPT.part-" && sha256sum "$CKPT" && mv "$CKPT" /tmp/
fi
rm -f "$OUT/$(basename "$RUN")/curve.png"  # the tool returns 8 files; the curve is drawn again from the log here
ls -la "$OUT" "$OUT/$(basename "$RUN")"
if [ "${HANDEDNESS_MINUTES:-0}" != "0" ]; then
  [ -d runs/handedness-gpu ] && cp -r runs/handedness-gpu "$OUT/"
  python3 -m handtrack.training.handedness stream --run "$OUT/handedness-gpu" --minutes "$HANDEDNESS_MINUTES" \
    --workers "$WORKERS" --validation-palm anatomical $BANK > "$OUT/handedness.txt" 2>&1
  echo "handedness exit $?"; tail -3 "$OUT/handedness.txt"
fi
