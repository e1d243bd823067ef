// The tool version recorded in evidence packs and summaries (kept in step with package.json).
export const TOOL_NAME = 'LRT Workbench';
export const TOOL_VERSION = '0.1.0';
