#!/bin/bash
# Trains the demo model on a GPU machine lent by the device tool, in one call:
#
#   here:  .venv/bin/python -m studio.demo.device_kit build .device
#   then:  run(command="bash tools/device_train.sh", carry=[".device"], timeout_s=590)
#
# The VAE is re-laid out from the shipped folder and trained, the transformer starts from the
# shipped one's body, then the decoder is sharpened; each phase has a time budget in minutes
# (VAE_MIN, TR_MIN, DEC_MIN) and the whole training stops at TRAIN_SECONDS, saving and keeping
# its last export. $OUT gets the log and the exported folder as three tar files (the tool brings
# back at most 8 files of 16 MB). Untar them into a folder and run `python -m
# studio.demo.evaluate --model FOLDER --count 32` here before shipping it.
set -u
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."
T0=$(date +%s)
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .device/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
python3 -m studio.demo.device_kit unpack .device /tmp/minilm /tmp/site || exit 1
echo "set up in $(( $(date +%s) - T0 )) s"
timeout --foreground -k 15 "${TRAIN_SECONDS:-540}" python3 -m studio.demo.train \
  --device "${DEVICE:-cuda}" --workers "${WORKERS:-13}" --threads 2 \
  --out /tmp/run --export /tmp/model \
  --vae-from assets/models/demo --transformer-from assets/models/demo \
  --vae-minutes "${VAE_MIN:-1.75}" --vae-batch 48 --vae-lr 8e-5 \
  --batch "${BATCH:-512}" --lr 1e-3 --transformer-minutes "${TR_MIN:-5}" \
  --direction-contrast 1.0 --direction-min-sigma 0.4 \
  --decoder-minutes "${DEC_MIN:-1}" --decoder-batch 16 \
  --eval-minutes 0.5 --checkpoint-minutes 1000 > "$OUT/train.log" 2>&1
echo "training exit $? after $(( $(date +%s) - T0 )) s"
grep -E "held-out|phase done|Error|error|Traceback" "$OUT/train.log" | tail -60
tail -c 2000 "$OUT/train.log"
if [ -d /tmp/model ]; then
  cd /tmp/model && tar cf "$OUT/transformer.tar" transformer && tar cf "$OUT/vae.tar" vae \
    && tar cf "$OUT/rest.tar" --exclude=./vae --exclude=./transformer . && ls -la "$OUT"
fi
