/** Records a handled command with its result, after the events of the same transaction. */
export const RECORD_COMMAND_SQL = `
INSERT INTO es_commands (command_id, stream_id, result) VALUES ($1, $2, $3::jsonb)`;

/** The stored result of a recorded command. */
export const FIND_COMMAND_SQL = `SELECT result FROM es_commands WHERE command_id = $1`;
