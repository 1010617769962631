/** end_call: the call ends after the goodbye the model says next. */
import { succeeded, type ReceptionistTool } from "./types.ts";

export interface EndCallArgs {
  reason?: string;
}

export const endCall: ReceptionistTool<EndCallArgs> = {
  name: "end_call",
  async run(_ctx, args) {
    const reason = args.reason?.trim() || undefined;
    return succeeded(
      { next_step: "Say a short goodbye; the call ends after your reply." },
      { reason: reason ?? null },
      { type: "hang_up", ...(reason ? { reason } : {}) },
    );
  },
};
