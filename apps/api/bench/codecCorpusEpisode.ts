// The compression package's benchmark corpus (harder to compress than realisticEpisode.ts), as API episodes.
import { episode as corpusDocument } from "../../../packages/compression/bench/corpus.js"

interface CorpusStep {
  readonly step: number
  readonly tool: string
  readonly input: Record<string, unknown>
  readonly output: string
  readonly started_at: string
  readonly duration_ms: number
  readonly ok: boolean
}

interface CorpusDocument {
  readonly task: string
  readonly context: { readonly repo: string; readonly branch: string; readonly tags: ReadonlyArray<string> }
  readonly steps: ReadonlyArray<CorpusStep>
}

/** The corpus document of `seed` (about `targetBytes` of JSON) in wire form: its task, context and steps. */
export const codecCorpusEpisode = (id: string, seed: number, targetBytes: number) => {
  const doc = JSON.parse(corpusDocument(seed, targetBytes)) as CorpusDocument
  return {
    episode_id: id,
    task_type: "debugging",
    task_description: doc.task,
    context: { domain: doc.context.repo, tags: [...doc.context.tags] },
    start_time: doc.steps[0]?.started_at ?? "2026-01-01T00:00:00.000Z",
    steps: doc.steps.map((step) => ({
      step_number: step.step,
      timestamp: step.started_at,
      tool: step.tool,
      action: `${step.tool} on ${doc.context.branch}`,
      parameters: step.input,
      result: step.ok ? { type: "success", output: step.output } : { type: "error", message: step.output },
      latency_ms: step.duration_ms
    })),
    metadata: { source: "codec-corpus" }
  }
}
