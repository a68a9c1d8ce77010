/** The facts of the machine and checkout a run measured. */
import { execFile } from "node:child_process"
import { cpus, platform, totalmem } from "node:os"
import { promisify } from "node:util"
import type { Machine } from "../RunResult.js"
import { REPO_ROOT } from "./Workspace.js"

const git = async (...args: Array<string>) => {
  try {
    return (await promisify(execFile)("git", args, { cwd: REPO_ROOT })).stdout.trim()
  } catch {
    return ""
  }
}

/** Node, CPUs, memory, and the git commit (with whether the work tree differs from it). */
export const describeMachine = async (): Promise<Machine> => ({
  node: process.version,
  platform: `${platform()}/${process.arch}`,
  cpuCount: cpus().length,
  cpuModel: cpus()[0]?.model.trim() ?? "unknown",
  totalMemoryBytes: totalmem(),
  gitCommit: (await git("rev-parse", "HEAD")) || "unknown",
  gitDirty: (await git("status", "--porcelain", "--untracked-files=no")) !== ""
})
