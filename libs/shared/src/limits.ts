/** Every limit that the server, the studio and the inference module must agree on lives here. */
export const LIMITS = {
  prompt: { min: 1, max: 2000 },
  batch: { min: 1, max: 20 },
  scenes: { min: 3, max: 8 },
  sceneDurationSec: { min: 1, max: 20 },
  description: { max: 1000 },
  subtitle: { max: 200 },
  username: { min: 3, max: 32, pattern: /^[A-Za-z0-9_.-]+$/ },
  password: { min: 8, max: 256 },
  /** Largest JSON body the API accepts, in bytes. */
  jsonBodyBytes: 256 * 1024,
  page: { defaultSize: 20, maxSize: 100 },
} as const;
