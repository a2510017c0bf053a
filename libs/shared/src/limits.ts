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
  /**
   * The editable storyboard (storyboard-doc.ts). A scene's description, subtitle and duration keep
   * the plan limits above; the scene count is wider than a plan's because people add scenes by hand.
   */
  storyboard: {
    title: { max: 200 },
    scenes: { max: 50 },
    characters: { max: 20 },
    characterName: { max: 60 },
    characterDescription: { max: 500 },
    commentsPerScene: { max: 50 },
    comment: { max: 2000 },
    stylePrompt: { max: 1000 },
    negativePrompt: { max: 1000 },
    musicTrackName: { max: 200 },
    fadeSec: { max: 10 },
    /** Even sizes only: H.264 with 4:2:0 chroma needs them. */
    width: { min: 64, max: 3840 },
    height: { min: 64, max: 3840 },
    fps: { min: 1, max: 60 },
    cameraSpeed: { min: 0.25, max: 4 },
    seed: { min: 0, max: 2 ** 32 - 1 },
  },
  projectName: { min: 1, max: 120 },
  /** What an editor asks the LLM planner to change in one scene ("rewrite this scene"). */
  sceneInstruction: { min: 1, max: 500 },
  /** Named versions of a storyboard (versions.ts); each holds a whole document, hence a cap per project. */
  versions: { perProject: { max: 200 }, name: { min: 1, max: 100 } },
} as const;
