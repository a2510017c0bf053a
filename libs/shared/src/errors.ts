/** The body of every error answer of the API (4xx and 5xx alike). */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  /** A stable machine code where the answer has one (`content_blocked`…), for the studio's translations. */
  code?: string;
  /** Per-field messages when a body failed validation. */
  issues?: { path: string; message: string }[];
  /** `content_blocked`: the category and the span of the text that was blocked (see FilterBlockedError). */
  category?: string;
  span?: { start: number; end: number; text: string };
  scenes?: { scene_id: string; scene_number: number; field: string; category: string; start: number; end: number; text: string }[];
}
