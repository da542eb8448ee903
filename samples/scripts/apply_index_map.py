#!/usr/bin/python3
"""Cut a PyTorch checkpoint the way `lopper prune` cut its ONNX export, so it can be fine-tuned in PyTorch.

    lopper prune model.onnx -o pruned.onnx --save-index-map map.json ...
    python3 samples/scripts/apply_index_map.py map.json model.pt pruned.pt [--names names.json]

model.pt is a state_dict (torch.save(model.state_dict(), ...)) or a checkpoint dict holding one under
"state_dict" / "model_state_dict". For every initializer of the ONNX model, map.json lists the indices kept on
each pruned axis (positions in the original tensor). An ONNX initializer name is matched to the state_dict key of
the same name (torch.onnx.export keeps parameter names such as "layer1.0.conv1.weight" when the weights are not
folded); --names gives a JSON object {"onnx name": "state_dict key"} for the others. A 2-D tensor stored transposed
in ONNX (a MatMul weight [in, out] for a Linear's [out, in]) is cut with its axes swapped. Entries that match no key
and keys with pruned channels that match nothing are listed; BatchNorm's num_batches_tracked is left as it is.
Rebuild the module with the new widths (the shapes printed, or `lopper inspect pruned.onnx`) before load_state_dict.
Needs torch only.
"""
import argparse
import json
import sys

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_map")
    ap.add_argument("checkpoint")
    ap.add_argument("output")
    ap.add_argument("--names", help="JSON object mapping ONNX initializer names to state_dict keys")
    a = ap.parse_args()
    with open(a.index_map) as f:
        m = json.load(f)
    if m.get("format") != "lopper-index-map":
        sys.exit(f"{a.index_map}: not a lopper index map (format {m.get('format')!r})")
    names = {}
    if a.names:
        with open(a.names) as f:
            names = json.load(f)
    ckpt = torch.load(a.checkpoint, map_location="cpu")
    container, key = ckpt, None
    for k in ("state_dict", "model_state_dict"):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(k), dict):
            container, key = ckpt[k], k
    sd = dict(container)
    entries = dict(m.get("initializers", {}))
    entries.update(m.get("constants", {}))
    cut, unmatched = 0, []
    for onnx_name, e in entries.items():
        kept = {int(ax): idx for ax, idx in e["kept"].items()}
        sd_key = names.get(onnx_name, onnx_name)
        if sd_key not in sd:
            if kept:
                unmatched.append(onnx_name)
            continue
        t = sd[sd_key]
        shape = list(e["shape"])
        if list(t.shape) != shape:
            if len(shape) == 2 and list(t.shape) == shape[::-1]:
                kept = {1 - ax: idx for ax, idx in kept.items()}
            else:
                sys.exit(f"{sd_key}: shape {list(t.shape)} in the checkpoint, {shape} in the ONNX model; give --names")
        for ax, idx in sorted(kept.items()):
            t = t.index_select(ax, torch.tensor(idx, dtype=torch.long))
        if kept:
            cut += 1
            print(f"{sd_key}: {shape} -> {list(t.shape)}")
        sd[sd_key] = t.contiguous()
    if key is None:
        ckpt = sd
    else:
        ckpt[key] = sd
    torch.save(ckpt, a.output)
    print(f"cut {cut} tensors, wrote {a.output}")
    if unmatched:
        print(f"{len(unmatched)} pruned ONNX initializers match no state_dict key (give --names): "
              + ", ".join(unmatched[:20]) + (" ..." if len(unmatched) > 20 else ""), file=sys.stderr)
        sys.exit(3)


if __name__ == "__main__":
    main()
