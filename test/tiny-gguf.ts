import { writeFileSync } from 'node:fs';

/**
 * Writes a tiny but valid llama-architecture GGUF (v3) with random weights: 1 block, 64-dim
 * embeddings, a byte-fallback vocabulary that can spell any string, and a ChatML template.
 * Its output is meaningless; what a test can assert is that real inference runs and that
 * grammar-constrained output parses. No weights are downloaded: this file is the model.
 *
 * The output layer is biased (through a constant embedding dimension that survives the residual
 * stream) towards closing tokens, so schema-constrained answers finish within a few tokens.
 */
const EMBED = 64;
const FF = 128;
const ALIGN = 32;

enum T {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  STRING = 8,
  ARRAY = 9,
}

export function writeTinyGguf(file: string, seed = 1): void {
  const tokens: string[] = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types: number[] = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6);
  }
  tokens.push('▁');
  types.push(1);
  for (let c = 0x21; c <= 0x7e; c++) {
    tokens.push(String.fromCharCode(c));
    types.push(1);
  }
  const nVocab = tokens.length;
  const favoured = new Set([2, 4, ...['"', '}', ']', ','].map((ch) => tokens.indexOf(ch))]);

  let s = seed >>> 0;
  const rand = () =>
    ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296) * 2 - 1;
  const filled = (n: number, f: (i: number) => number) =>
    Float32Array.from({ length: n }, (_, i) => f(i));
  const small = (n: number) => filled(n, () => rand() * 0.02);

  const tensors: [string, number[], Float32Array][] = [
    [
      'token_embd.weight',
      [EMBED, nVocab],
      filled(EMBED * nVocab, (i) => (i % EMBED === 0 ? 1 : rand() * 0.1)),
    ],
    ['output_norm.weight', [EMBED], filled(EMBED, () => 1)],
    [
      'output.weight',
      [EMBED, nVocab],
      filled(EMBED * nVocab, (i) =>
        i % EMBED === 0 ? (favoured.has(Math.floor(i / EMBED)) ? 8 : 0) : rand() * 0.1,
      ),
    ],
    ['blk.0.attn_norm.weight', [EMBED], filled(EMBED, () => 1)],
    ['blk.0.attn_q.weight', [EMBED, EMBED], small(EMBED * EMBED)],
    ['blk.0.attn_k.weight', [EMBED, EMBED], small(EMBED * EMBED)],
    ['blk.0.attn_v.weight', [EMBED, EMBED], small(EMBED * EMBED)],
    ['blk.0.attn_output.weight', [EMBED, EMBED], small(EMBED * EMBED)],
    ['blk.0.ffn_norm.weight', [EMBED], filled(EMBED, () => 1)],
    ['blk.0.ffn_gate.weight', [EMBED, FF], small(EMBED * FF)],
    ['blk.0.ffn_up.weight', [EMBED, FF], small(EMBED * FF)],
    ['blk.0.ffn_down.weight', [FF, EMBED], small(FF * EMBED)],
  ];

  const chatml =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  const meta: [string, T, unknown, T?][] = [
    ['general.architecture', T.STRING, 'llama'],
    ['general.name', T.STRING, 'distiq-tiny-test-model'],
    ['general.file_type', T.U32, 0],
    ['llama.context_length', T.U32, 512],
    ['llama.embedding_length', T.U32, EMBED],
    ['llama.block_count', T.U32, 1],
    ['llama.feed_forward_length', T.U32, FF],
    ['llama.attention.head_count', T.U32, 4],
    ['llama.attention.head_count_kv', T.U32, 4],
    ['llama.attention.layer_norm_rms_epsilon', T.F32, 1e-5],
    ['llama.rope.dimension_count', T.U32, EMBED / 4],
    ['tokenizer.ggml.model', T.STRING, 'llama'],
    ['tokenizer.ggml.tokens', T.ARRAY, tokens, T.STRING],
    ['tokenizer.ggml.scores', T.ARRAY, tokens.map((_, i) => -i), T.F32],
    ['tokenizer.ggml.token_type', T.ARRAY, types, T.I32],
    ['tokenizer.ggml.bos_token_id', T.U32, 1],
    ['tokenizer.ggml.eos_token_id', T.U32, 2],
    ['tokenizer.ggml.unknown_token_id', T.U32, 0],
    ['tokenizer.chat_template', T.STRING, chatml],
  ];

  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  const i32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return b;
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const f32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return b;
  };
  const str = (v: string) => {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([u64(b.length), b]);
  };
  const scalar = (t: T, v: unknown): Buffer =>
    t === T.U32
      ? u32(v as number)
      : t === T.I32
        ? i32(v as number)
        : t === T.F32
          ? f32(v as number)
          : str(v as string);

  parts.push(Buffer.from('GGUF'), u32(3), u64(tensors.length), u64(meta.length));
  for (const [key, type, value, elem] of meta) {
    parts.push(str(key), u32(type));
    if (type === T.ARRAY) {
      const list = value as unknown[];
      parts.push(u32(elem!), u64(list.length), ...list.map((v) => scalar(elem!, v)));
    } else parts.push(scalar(type, value));
  }
  let offset = 0;
  for (const [name, dims, data] of tensors) {
    parts.push(str(name), u32(dims.length), ...dims.map(u64), u32(0), u64(offset));
    offset += align(data.byteLength);
  }
  const header = Buffer.concat(parts);
  const body: Buffer[] = [header, Buffer.alloc(align(header.length) - header.length)];
  for (const [, , data] of tensors) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    body.push(bytes, Buffer.alloc(align(bytes.length) - bytes.length));
  }
  writeFileSync(file, Buffer.concat(body));
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}
