#!/usr/bin/env python3
"""Writes the GGUF, safetensors and Hugging Face config samples under
testdata/samples/{gguf,safetensors,hf}/ (the rule catalogue's positive and
negative samples for the GGUF, SAFETENSORS, HF and JINJA families).

Standard library only; any python3 works:
    python3 testdata/gen/llm.py
Outputs are deterministic and committed; CI never runs this script.
Chat templates are read from testdata/samples/jinja/*.jinja (written by
hand from the public shapes of real templates); malicious ones are inert
text that is never rendered.
"""
import json
import os
import struct

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLES = os.path.join(ROOT, "testdata", "samples")


def write(rel, data):
    path = os.path.join(SAMPLES, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def template(name):
    with open(os.path.join(SAMPLES, "jinja", name), encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- GGUF

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "B", I8: "b", U16: "H", I16: "h", U32: "I", I32: "i", F32: "f",
          BOOL: "?", U64: "Q", I64: "q", F64: "d"}
# ggml type -> (block size, bytes per block)
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q8_0": (8, 32, 34)}


class GGUF:
    """A GGUF writer that can also write what no honest writer would."""

    def __init__(self, version=3, big=False):
        self.version, self.e = version, ">" if big else "<"
        self.kvs, self.tensors = [], []
        self.alignment = 32

    def n(self, fmt, v):
        return struct.pack(self.e + fmt, v)

    def count(self, v):
        return self.n("I" if self.version == 1 else "Q", v)

    def s(self, text):
        b = text.encode("utf-8") if isinstance(text, str) else text
        return self.count(len(b)) + b

    def value(self, t, v):
        if t == STR:
            return self.s(v)
        if t == ARR:
            et, items = v
            out = self.n("I", et) + self.count(len(items))
            return out + b"".join(self.value(et, x) for x in items)
        return self.n(SCALAR[t], v)

    def kv(self, key, t, v):
        self.kvs.append(self.s(key) + self.n("I", t) + self.value(t, v))
        if key == "general.alignment" and t == U32:
            self.alignment = v

    def raw_kv(self, blob):
        self.kvs.append(blob)

    def tensor(self, name, dims, typ, offset=None):
        self.tensors.append([name, dims, typ, offset])

    @staticmethod
    def nbytes(dims, typ):
        if typ not in GGML:
            return 0  # a type id no loader knows
        _, block, size = GGML[typ]
        n = 1
        for d in dims:
            n *= d
        return n // block * size

    def pad(self, n):
        return (n + self.alignment - 1) // self.alignment * self.alignment

    def build(self, n_tensors=None, n_kv=None, data=True, extra=b""):
        info, cursor = b"", 0
        for t in self.tensors:
            name, dims, typ, offset = t
            if offset is None:
                offset = cursor
            cursor = max(cursor, self.pad(offset + self.nbytes(dims, typ)))
            dim = "I" if self.version == 1 else "Q"
            info += self.s(name) + self.n("I", len(dims)) + b"".join(self.n(dim, d) for d in dims)
            info += self.n("I", GGML[typ][0] if isinstance(typ, str) else typ) + self.n("Q", offset)
        head = b"GGUF" + self.n("I", self.version)
        head += self.count(len(self.tensors) if n_tensors is None else n_tensors)
        head += self.count(len(self.kvs) if n_kv is None else n_kv)
        out = head + b"".join(self.kvs) + info
        if data:
            out += b"\0" * (self.pad(len(out)) - len(out)) + b"\0" * cursor
        return out + extra


def vocab(n):
    toks = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % i for i in range(16)]
    toks += ["\u2581" + w for w in ("the", "a", "to", "of", "and", "in", "is", "it", "you", "that")]
    while len(toks) < n:
        toks.append("tok%d" % len(toks))
    return toks


def llama(version=3, big=False, chat_template=None, named=None):
    g = GGUF(version, big)
    g.kv("general.architecture", STR, "llama")
    g.kv("general.type", STR, "model")
    g.kv("general.name", STR, "TinyLlama Sample 1x32")
    g.kv("general.size_label", STR, "14K")
    g.kv("general.license", STR, "apache-2.0")
    g.kv("llama.block_count", U32, 1)
    g.kv("llama.context_length", U32, 2048)
    g.kv("llama.embedding_length", U32, 32)
    g.kv("llama.feed_forward_length", U32, 64)
    g.kv("llama.attention.head_count", U32, 4)
    g.kv("llama.attention.head_count_kv", U32, 2)
    g.kv("llama.rope.freq_base", F32, 10000.0)
    g.kv("llama.attention.layer_norm_rms_epsilon", F32, 1e-5)
    g.kv("llama.vocab_size", U32, 64)
    g.kv("general.file_type", U32, 7)
    toks = vocab(64)
    g.kv("tokenizer.ggml.model", STR, "llama")
    g.kv("tokenizer.ggml.pre", STR, "default")
    g.kv("tokenizer.ggml.tokens", ARR, (STR, toks))
    g.kv("tokenizer.ggml.scores", ARR, (F32, [float(-i) for i in range(len(toks))]))
    g.kv("tokenizer.ggml.token_type", ARR, (I32, [2, 3, 3] + [6] * 16 + [1] * (len(toks) - 19)))
    g.kv("tokenizer.ggml.bos_token_id", U32, 1)
    g.kv("tokenizer.ggml.eos_token_id", U32, 2)
    g.kv("tokenizer.ggml.add_bos_token", BOOL, True)
    if chat_template is not None:
        g.kv("tokenizer.chat_template", STR, chat_template)
    for name, tmpl in (named or {}).items():
        g.kv("tokenizer.chat_template." + name, STR, tmpl)
    g.kv("general.quantization_version", U32, 2)
    g.tensor("token_embd.weight", [32, 64], "Q4_0")
    p = "blk.0."
    g.tensor(p + "attn_norm.weight", [32], "F32")
    g.tensor(p + "attn_q.weight", [32, 32], "Q8_0")
    g.tensor(p + "attn_k.weight", [32, 16], "Q8_0")
    g.tensor(p + "attn_v.weight", [32, 16], "Q8_0")
    g.tensor(p + "attn_output.weight", [32, 32], "Q8_0")
    g.tensor(p + "ffn_norm.weight", [32], "F32")
    g.tensor(p + "ffn_gate.weight", [32, 64], "Q4_0")
    g.tensor(p + "ffn_up.weight", [32, 64], "Q4_0")
    g.tensor(p + "ffn_down.weight", [64, 32], "Q8_0")
    g.tensor("output_norm.weight", [32], "F32")
    g.tensor("output.weight", [32, 64], "F16")
    return g


def gguf_samples():
    w = lambda name, data: write("gguf/" + name, data)
    w("llama_shaped.gguf", llama(chat_template=template("llama3_tools.jinja"),
                                 named={"tool_use": template("hermes_tools.jinja")}).build())
    w("v1_minimal.gguf", llama(version=1).build())
    w("v3_big_endian.gguf", llama(big=True, chat_template=template("mistral.jinja")).build())
    # CVE-2024-34359: the advisory's payload as tokenizer.chat_template.
    w("ssti_chat_template.gguf", llama(chat_template=template("ssti_subclasses_warning.jinja")).build())
    w("ssti_named_template.gguf", llama(chat_template=template("llama2.jinja"),
                                        named={"rag": template("ssti_cycler_globals.jinja")}).build())

    # Header counts and lengths larger than the file (CVE-2024-21836, -23605, -23496, -21825).
    w("oversized_tensor_count.gguf", llama().build(n_tensors=1 << 60, data=False))
    w("oversized_kv_count.gguf", llama().build(n_kv=(1 << 62) + 5, data=False))
    g = GGUF()
    g.raw_kv(g.s("general.name") + g.n("I", STR) + g.count(1 << 62) + b"boom")
    w("oversized_string.gguf", g.build())
    g = GGUF()
    g.raw_kv(g.s("tokenizer.ggml.scores") + g.n("I", ARR) + g.n("I", F32) + g.count(1 << 40) + b"\0" * 16)
    w("oversized_array.gguf", g.build())
    w("truncated_header.gguf", llama(chat_template=template("mistral.jinja")).build()[:900])

    # Tensor shapes (CVE-2024-21802: n_dims beyond GGML_MAX_DIMS overflows ne[4]).
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("blk.0.attn_q.weight", [32, 2, 2, 2, 2, 2], "F32")
    w("too_many_dims.gguf", g.build())
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("token_embd.weight", [1 << 62, 1 << 62], "F32", 0)
    w("dims_overflow.gguf", g.build(data=False) + b"\0" * 160)
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("output.weight", [32, 2], 1000, 0)
    w("bad_tensor_type.gguf", g.build(data=False) + b"\0" * 512)
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("output.weight", [30, 2], "Q4_0", 0)
    w("row_not_block_multiple.gguf", g.build(data=False) + b"\0" * 128)

    # Tensor data layout.
    full = llama().build()
    g = llama()
    g.tensors[-1][3] = 1 << 40
    head = g.build(data=False)
    w("tensor_past_eof.gguf", head + full[len(head):])
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("a.weight", [64], "F32", 0)
    g.tensor("b.weight", [64], "F32", 128)
    g.tensor("c.weight", [64], "F32", 64)
    w("overlapping_tensors.gguf", g.build())
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("a.weight", [8], "F32", 0)
    g.tensor("b.weight", [8], "F32", 40)
    w("misaligned_tensor.gguf", g.build())

    # Ambiguous metadata: a benign template shadowing a malicious one.
    g = llama(chat_template=template("zephyr.jinja"))
    g.kv("tokenizer.chat_template", STR, template("ssti_template_reference.jinja"))
    w("duplicate_chat_template.gguf", g.build())
    g = llama()
    g.kv("tokenizer.ggml.merges_nested", ARR, (ARR, [(STR, ["a", "b"]), (STR, ["c"])]))
    w("nested_array.gguf", g.build())
    g = llama()
    g.kv("general.alignment", U32, 24)
    w("bad_alignment.gguf", g.build())
    g = GGUF()
    g.kv("general.architecture", STR, "llama")
    g.tensor("output.weight", [8], "F32")
    g.tensor("output.weight", [8], "F32")
    w("duplicate_tensor.gguf", g.build())


# ---------------------------------------------------------- safetensors

ST_BITS = {"F32": 32, "F16": 16, "BF16": 16, "I64": 64, "BOOL": 8, "F8_E4M3": 8, "F4": 4, "U8": 8}


def st_header(header_obj, raw=None):
    text = raw if raw is not None else json.dumps(header_obj, separators=(",", ":"))
    b = text.encode("utf-8")
    b += b" " * ((8 - len(b) % 8) % 8)
    return struct.pack("<Q", len(b)) + b


def st_file(tensors, metadata=None, data_len=None, extra=b"", raw=None):
    """tensors: list of (name, dtype, shape). Offsets are contiguous, in the
    Rust writer's order (dtype alignment descending, then name)."""
    order = sorted(tensors, key=lambda t: (-ST_BITS[t[1]], t[0]))
    header, cursor = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape in order:
        n = 1
        for d in shape:
            n *= d
        size = n * ST_BITS[dtype] // 8
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [cursor, cursor + size]}
        cursor += size
    buf = b"\0" * (cursor if data_len is None else data_len)
    return st_header(header, raw) + buf + extra


def bert(hidden=8, inter=32, vocab_n=64, layers=2):
    t = [("embeddings.word_embeddings.weight", "F32", [vocab_n, hidden]),
         ("embeddings.position_embeddings.weight", "F32", [16, hidden]),
         ("embeddings.token_type_embeddings.weight", "F32", [2, hidden]),
         ("embeddings.LayerNorm.weight", "F32", [hidden]),
         ("embeddings.LayerNorm.bias", "F32", [hidden])]
    for i in range(layers):
        p = "encoder.layer.%d." % i
        for m in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            t += [(p + m + ".weight", "F32", [hidden, hidden]), (p + m + ".bias", "F32", [hidden])]
        t += [(p + "attention.output.LayerNorm.weight", "F32", [hidden]),
              (p + "attention.output.LayerNorm.bias", "F32", [hidden]),
              (p + "intermediate.dense.weight", "F32", [inter, hidden]), (p + "intermediate.dense.bias", "F32", [inter]),
              (p + "output.dense.weight", "F32", [hidden, inter]), (p + "output.dense.bias", "F32", [hidden]),
              (p + "output.LayerNorm.weight", "F32", [hidden]), (p + "output.LayerNorm.bias", "F32", [hidden])]
    t += [("pooler.dense.weight", "F32", [hidden, hidden]), ("pooler.dense.bias", "F32", [hidden])]
    return t


def pickle_os_system():
    # protocol 2: posix.system('id') -- assembled opcode by opcode, never a Python object.
    return b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."


def zip_with_pickle():
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("archive/data.pkl", (2024, 1, 1, 0, 0, 0))
        z.writestr(info, pickle_os_system())
    return buf.getvalue()


def safetensors_samples():
    w = lambda name, data: write("safetensors/" + name, data)
    w("bert_shaped.safetensors", st_file(bert(), metadata={"format": "pt"}))
    w("mixed_dtypes.safetensors", st_file([
        ("model.embed_tokens.weight", "BF16", [64, 16]), ("model.norm.weight", "F16", [16]),
        ("model.layers.0.mlp.gate_proj.weight", "F8_E4M3", [32, 16]),
        ("model.layers.0.mlp.gate_proj.weight_scale", "F32", [1]),
        ("model.layers.0.mlp.up_proj.weight_packed", "F4", [32, 16]),
        ("position_ids", "I64", [1, 16]), ("attention_mask", "BOOL", [16])], metadata={"format": "pt", "quant": "fp8"}))

    good = st_file(bert(layers=1), metadata={"format": "pt"})
    w("header_too_large.safetensors", struct.pack("<Q", 200_000_000) + good[8:])
    w("header_past_eof.safetensors", struct.pack("<Q", len(good) * 4) + good[8:])
    w("header_not_json.safetensors", st_header(None, raw='{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},}') + b"\0" * 4)
    w("unknown_dtype.safetensors", st_header(None, raw='{"w":{"dtype":"F128","shape":[2],"data_offsets":[0,32]}}') + b"\0" * 32)
    w("duplicate_key.safetensors", st_header(None, raw=(
        '{"lm_head.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},'
        '"lm_head.weight":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}')) + b"\0" * 16)
    w("metadata_not_string.safetensors", st_file([("w", "F32", [4])], metadata={"format": "pt", "epoch": 3, "tags": ["a"]}))
    w("shape_mismatch.safetensors", st_header(None, raw=(
        '{"w":{"dtype":"F32","shape":[64,64],"data_offsets":[0,64]}}')) + b"\0" * 64)
    w("shape_overflow.safetensors", st_header(None, raw=(
        '{"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,16]}}')) + b"\0" * 16)
    w("overlapping.safetensors", st_header(None, raw=(
        '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
        '"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}')) + b"\0" * 24)
    hidden = pickle_os_system()
    w("hole.safetensors", st_header(None, raw=(
        '{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},'
        '"b":{"dtype":"F32","shape":[4],"data_offsets":[%d,%d]}}' % (16 + len(hidden), 32 + len(hidden)))) +
      b"\0" * 16 + hidden + b"\0" * 16)
    w("offset_out_of_range.safetensors", st_header(None, raw=(
        '{"a":{"dtype":"F32","shape":[1048576],"data_offsets":[0,4194304]}}')) + b"\0" * 64)
    w("trailing_junk.safetensors", good + b"padding written by a broken exporter\n")
    w("polyglot_pickle.safetensors", good + pickle_os_system())
    w("polyglot_zip.safetensors", good + zip_with_pickle())


# -------------------------------------------------------- Hugging Face

def added_tokens(n):
    # Real tokenizer configs list hundreds of reserved tokens before the
    # chat template, pushing it far beyond the first kilobytes.
    out = {}
    for i in range(n):
        out[str(128000 + i)] = {"content": "<|reserved_special_token_%d|>" % i, "lstrip": False,
                                "normalized": False, "rstrip": False, "single_word": False, "special": True}
    return out


def tokenizer_config(chat_template, **extra):
    cfg = {"added_tokens_decoder": added_tokens(64), "bos_token": "<|begin_of_text|>",
           "chat_template": chat_template, "clean_up_tokenization_spaces": True,
           "eos_token": "<|eot_id|>", "model_input_names": ["input_ids", "attention_mask"],
           "model_max_length": 131072, "tokenizer_class": "PreTrainedTokenizerFast"}
    cfg.update(extra)
    return json.dumps(cfg, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def hf_samples():
    w = lambda name, data: write("hf/" + name, data)
    w("tokenizer_config.json", tokenizer_config(template("llama3_tools.jinja")))
    w("tokenizer_config_multi.json", tokenizer_config([
        {"name": "default", "template": template("qwen_chatml_tools.jinja")},
        {"name": "tool_use", "template": template("hermes_tools.jinja")}]))
    w("chat_template.json", json.dumps({"chat_template": template("gemma.jinja")}, indent=2) + "\n")
    w("tokenizer_config_ssti.json", tokenizer_config(template("ssti_cycler_globals.jinja")))
    w("tokenizer_config_multi_ssti.json", tokenizer_config([
        {"name": "default", "template": template("mistral.jinja")},
        {"name": "rag", "template": template("ssti_attr_hex.jinja")}]))
    text = tokenizer_config(template("phi3.jinja"))
    # A second chat_template key: Python's json keeps the last one.
    text = text.rstrip().rstrip("}") + ',\n  "chat_template": ' + json.dumps(template("ssti_format_open.jinja")) + "\n}\n"
    w("tokenizer_config_duplicate.json", text)
    w("tokenizer_config_nan.json", tokenizer_config(template("zephyr.jinja")).replace(
        '"model_max_length": 131072', '"model_max_length": NaN'))
    w("config.json", json.dumps({
        "architectures": ["LlamaForCausalLM"], "bos_token_id": 128000, "eos_token_id": 128001,
        "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072,
        "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8,
        "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0", "vocab_size": 128256}, indent=2, sort_keys=True) + "\n")
    w("config_auto_map.json", json.dumps({
        "_name_or_path": "example/phi-custom", "architectures": ["PhiCustomForCausalLM"],
        "auto_map": {"AutoConfig": "configuration_phi_custom.PhiCustomConfig",
                     "AutoModelForCausalLM": "modeling_phi_custom.PhiCustomForCausalLM",
                     "AutoModel": "other-org/shared-code--modeling_shared.SharedModel"},
        "model_type": "phi_custom", "hidden_size": 2048, "torch_dtype": "bfloat16",
        "transformers_version": "4.44.2"}, indent=2, sort_keys=True) + "\n")
    w("tokenizer_config_auto_map.json", tokenizer_config(template("zephyr.jinja"),
                                                          auto_map={"AutoTokenizer": ["tokenization_custom.CustomTokenizer", None]}))


if __name__ == "__main__":
    gguf_samples()
    safetensors_samples()
    hf_samples()
