#!/usr/bin/env python3
"""Calibration / evaluation data for a BERT-style ONNX encoder from plain text files.

    python3 samples/scripts/make_text_calibration.py TOKENIZER.json OUT.npz N LEN TEXT_FILE [TEXT_FILE ...]

Cuts the files' text (whitespace collapsed) into N windows of LEN tokens: [CLS] + LEN-2 WordPiece tokens + [SEP],
consecutive and non-overlapping, and writes input_ids, attention_mask (ones) and token_type_ids (zeros) as int64
(N, LEN) arrays, named like the inputs of a Hugging Face BERT export, for `lopper prune --calibration OUT.npz` and
`lopper eval --data OUT.npz`. Needs numpy and the `tokenizers` package; TOKENIZER.json is the model's
tokenizer.json (e.g. all-minilm-l6-v2-tokenizer.json in langchain4j's all-minilm-l6-v2 jar).

The README's real-text MiniLM figures used:
    ... tokenizer.json text_cal.npz 64 32 /usr/share/common-licenses/GPL-3
    ... tokenizer.json text_eval.npz 64 32 /usr/share/common-licenses/Apache-2.0 /usr/share/common-licenses/Artistic \
        /usr/share/common-licenses/MPL-2.0
"""
import os
import re
import sys

import numpy as np
from tokenizers import Tokenizer


def main(argv):
    if len(argv) < 6:
        sys.exit(__doc__)
    tokenizer, out, n, length, files = argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5:]
    if length < 3 or n < 1:
        sys.exit("N must be >= 1 and LEN >= 3")
    if not out.endswith(".npz"):
        sys.exit(out + ": the output must be an .npz file")
    for given in [tokenizer] + files:
        if os.path.exists(out) and os.path.samefile(out, given):
            sys.exit(out + ": is one of the inputs; never written over")
    tok = Tokenizer.from_file(tokenizer)
    tok.no_truncation()
    tok.no_padding()
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    if cls is None or sep is None:
        sys.exit(tokenizer + ": no [CLS]/[SEP] tokens (not a BERT WordPiece tokenizer)")
    text = re.sub(r"\s+", " ", " ".join(open(f, encoding="utf-8", errors="ignore").read() for f in files))
    ids = tok.encode(text, add_special_tokens=False).ids
    step = length - 2
    rows = [[cls] + ids[i:i + step] + [sep] for i in range(0, len(ids) - step + 1, step)][:n]
    if len(rows) < n:
        sys.exit("the text gives only %d windows of %d tokens, %d asked" % (len(rows), length, n))
    a = np.array(rows, dtype=np.int64)
    tmp = out[:-len(".npz")] + ".tmp.npz"
    try:
        np.savez(tmp, input_ids=a, attention_mask=np.ones_like(a), token_type_ids=np.zeros_like(a))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    print("%s: %d x %d tokens" % (out, a.shape[0], a.shape[1]))


if __name__ == "__main__":
    main(sys.argv)
