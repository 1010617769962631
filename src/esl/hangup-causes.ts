/**
 * The hangup-cause table lives in the core (machines/switch/hangup-causes.ts).
 * This path stays for the switch simulator (src/sim/hangup-causes.ts), which
 * reads the same switch_types.h table through it.
 */
export { HANGUP_CAUSES, isHangupCause, q850ForCause, type HangupCauseName } from "../../machines/switch/hangup-causes.ts";
