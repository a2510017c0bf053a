/** The body of every error answer of the API (4xx and 5xx alike). */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string;
  /** Per-field messages when a body failed validation. */
  issues?: { path: string; message: string }[];
}
