/**
 * The demo `npm start` shows with the embedded simulator: the simulated callers
 * in its scenario (one asks the demo bot about opening hours, one books a
 * cleaning with a receptionist) and the calls that place them, with a banner
 * line saying where to watch. Nothing here runs against a real switch.
 */
import type { Config } from "../config.ts";
import { routeForNumber } from "../db/queries/numbers.ts";
import { log } from "../log.ts";
import { defaultScenario, loadScenario, parseScenario, type Scenario } from "../sim/index.ts";
import type { Switchboard } from "./switchboard.ts";

/** The demo caller `npm start` places with the embedded simulator: dials this number and talks with the demo bot. */
export const DEMO_CALLER_NUMBER = "5000";
const DEMO_CALLER = {
  name: "demo caller",
  match: { exact: DEMO_CALLER_NUMBER },
  turns: [
    { afterBotMs: 600, say: "Hi, what are your opening hours?" },
    { afterBotMs: 600, say: "And what is your address?" },
    { afterBotMs: 600, say: "Is there parking?" },
    { afterBotMs: 800, say: "Great, thank you. Goodbye." },
    { afterBotMs: 1500, hangup: true },
  ],
};

/**
 * The receptionist demo: once a receptionist has this number (README, "A
 * receptionist in three requests": POST /v1/numbers with "(212) 555-0123"),
 * `npm start` has a simulated caller dial it and book a cleaning.
 */
export const DEMO_RECEPTIONIST_NUMBER = "+12125550123";
const DEMO_BOOKING_CALLER = {
  name: "demo booking caller",
  match: { exact: DEMO_RECEPTIONIST_NUMBER },
  turns: [
    { afterBotMs: 600, say: "Hi, I'd like to book a cleaning next Tuesday at 10 am" },
    { afterBotMs: 600, say: "It's Ann Lee" },
    { afterBotMs: 600, say: "five five five, two three four, seven seven eight eight" },
    { afterBotMs: 600, say: "No, that's all, thanks. Bye!" },
    { afterBotMs: 3000, hangup: true },
  ],
};

/** The embedded simulator's world: the built-in scenario plus the demo caller. */
export function embeddedScenario(config: Config): Scenario {
  if (config.sim.scenario) return loadScenario(config.sim.scenario);
  const demo = parseScenario({ callers: [DEMO_CALLER, DEMO_BOOKING_CALLER], files: [`${config.speech.cacheDir}/`] }, "demo caller");
  return { ...defaultScenario, callers: [...demo.callers, ...defaultScenario.callers], files: [...defaultScenario.files, ...demo.files] };
}

/** `npm start` with the embedded simulator: a simulated caller dials in and talks with the bot. */
export function placeDemoCall(sb: Switchboard): void {
  setTimeout(() => {
    sb.simulator!
      .placeInboundCall({ from: "+15550100200", fromName: "Demo Caller", to: DEMO_CALLER_NUMBER, socket: { host: "127.0.0.1", port: sb.outboundSocketPort } })
      .then(async (callId) => {
        // The switch hands the call over its outbound socket a moment after it dials: wait for the bot.
        for (let waited = 0; waited < 3000 && !sb.conversations.conversationOfCall(callId); waited += 25) await Bun.sleep(25);
        const conversation = sb.conversations.conversationOfCall(callId);
        console.log(
          [
            `A simulated caller is calling ${DEMO_CALLER_NUMBER} (call ${callId}); watch it talk with the bot:`,
            `  GET ${sb.url}/v1/calls/${callId}`,
            conversation ? `  GET ${sb.url}/v1/conversations/${conversation.id}` : `  GET ${sb.url}/v1/conversations?call_id=${callId}`,
          ].join("\n"),
        );
      })
      .catch((err: unknown) => log.warn({ err }, "the demo call could not be placed"));
  }, 1500).unref?.();
}

/**
 * `npm start` with the embedded simulator: once DEMO_RECEPTIONIST_NUMBER routes
 * to a receptionist (checked every 2 s), a simulated caller dials it once and
 * books a cleaning; the banner says where to watch.
 */
export function placeReceptionistDemoCall(sb: Switchboard): void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    routeForNumber(sb.database.db, DEMO_RECEPTIONIST_NUMBER)
      .then(async (route) => {
        if (route === null) return;
        clearInterval(timer);
        const callId = await sb.simulator!.placeInboundCall({
          from: "+13105550177",
          fromName: "Demo Patient",
          to: DEMO_RECEPTIONIST_NUMBER,
          socket: { host: "127.0.0.1", port: sb.outboundSocketPort },
        });
        for (let waited = 0; waited < 3000 && !sb.conversations.conversationOfCall(callId); waited += 25) await Bun.sleep(25);
        const conversation = sb.conversations.conversationOfCall(callId);
        console.log(
          [
            `${DEMO_RECEPTIONIST_NUMBER} now routes to receptionist "${route.receptionist.name}": a simulated caller is calling it to book a cleaning (call ${callId}). Watch:`,
            conversation ? `  GET ${sb.url}/v1/conversations/${conversation.id}` : `  GET ${sb.url}/v1/conversations?call_id=${callId}`,
            `  GET ${sb.url}/v1/appointments?receptionist_id=${route.receptionist.id}`,
          ].join("\n"),
        );
      })
      .catch((err: unknown) => log.warn({ err }, "the receptionist demo call could not be placed"))
      .finally(() => {
        busy = false;
      });
  }, 2000);
  timer.unref?.();
}
