/** Post-call analysis: what is asked (schema.ts), from what (prompt.ts), and the OpenAI adapter (client.ts). */
export { AnalysisFailure, OpenAIAnalysis, type AnalysisModel, type OpenAIAnalysisOptions } from "./client.ts";
export { analysisInput, analysisMessages, callerSpoke, type AnalysisInput, type AnalysisSource } from "./prompt.ts";
export { ANALYSIS_JSON_SCHEMA, ANALYSIS_SCHEMA_NAME, InvalidAnalysisError, parseAnalysis, type AnalysisReply } from "./schema.ts";
