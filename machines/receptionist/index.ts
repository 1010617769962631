/**
 * The AI receptionist's pure core: its definition (one zod schema), flows
 * (schema, checks, the compiled XState machine, what it offers now, its
 * description and Mermaid diagram) and the tools a flow may offer. No I/O.
 */
export * from "./definition.ts";
export { checkDefinition, type DefinitionProblem } from "./definition-check.ts";
export * from "./flow-schema.ts";
export { checkFlow, type FlowCheckError, type FlowShape } from "./flow-check.ts";
export * from "./flow-compiler.ts";
export * from "./flow-machine.ts";
export * from "./flow-offer.ts";
export * from "./flow-describe.ts";
export { flowMermaid, mermaidLabel } from "./flow-mermaid.ts";
export { canonicalJson, flowVersion, FLOW_COMPILER_VERSION } from "./flow-version.ts";
export * from "./hours.ts";
export { checkToolParameters, JSON_TYPES, STRING_FORMATS, type SchemaProblem } from "./json-schema.ts";
export * from "./tools.ts";
export * from "./prompt.ts";
