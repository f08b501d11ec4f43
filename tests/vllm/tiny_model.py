"""Build a tiny random Qwen2 model and tokenizer, fully offline, for the real-vLLM tier.

Run with the `.venv-vllm` interpreter (it needs torch, transformers and tokenizers):

    python tests/vllm/tiny_model.py OUT_DIR

The tokenizer is a byte-level BPE trained on a few sentences with Qwen2's pre-tokenizer split regex, so
transformers' Qwen2 tokenizer reloads it with the same ids; it carries a ChatML chat template. The model has
hidden size 64, 2 layers, 2 heads and 1 KV head (head_dim 32, which the CPU attention supports). Its text is
gibberish; the tests force the verdict grammar with structured outputs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MODEL_NAME = "tiny-thinkprm"
QWEN2_SPLIT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CORPUS = [
    "You are given a math problem and a proposed step-by-step solution:",
    "Review and critique each step in the proposed solution to determine whether each step is correct.",
    "If the solution is incomplete, only verify the provided steps.",
    "Let's verify step by step: Step 1: Step 2: Step 3: The step is \\boxed{correct} \\boxed{incorrect}",
    "Is the solution correct? yes no Yes No",
    "Let's verify again. Compute 3 * (4 + 5) = 27. 2x + 3 = 11 so x = 4.",
    "Positive Negative paragraph the answer is",
    "yes",
    "no",
]


def build(out: Path) -> Path:
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600, special_tokens=SPECIAL, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tokenizer.train_from_iterator(CORPUS * 20, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None
    )
    fast.chat_template = CHATML
    fast.save_pretrained(out)

    config = Qwen2Config(
        vocab_size=len(fast),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        max_position_embeddings=4096,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        bos_token_id=None,
        tie_word_embeddings=True,
        torch_dtype="float32",
    )
    import torch

    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    model.save_pretrained(out)
    (out / "BUILT").write_text(json.dumps({"name": MODEL_NAME, "vocab": len(fast)}))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if not (target / "BUILT").is_file():
        build(target)
    print(target)
