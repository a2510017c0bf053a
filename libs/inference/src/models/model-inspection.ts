/** The outcome of a deeper model check (opening ONNX sessions, loading the tokenizer): every problem found, none when ok. */
export interface ModelInspection {
  ok: boolean;
  problems: string[];
}
