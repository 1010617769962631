/**
 * The switch as the core sees it: the events it sends, the commands it takes,
 * its channel list and its hangup causes. Machines, the runtime and the edges
 * (src/esl) all import this vocabulary from here; it imports nothing outside
 * machines/ (the core never depends on an edge).
 */
export * from "./channel-events.ts";
export * from "./switch-commands.ts";
export * from "./channel-list.ts";
export * from "./hangup-causes.ts";
