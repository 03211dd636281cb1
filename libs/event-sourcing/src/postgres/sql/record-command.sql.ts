/** The stored result of a recorded command. */
export const FIND_COMMAND_SQL = `SELECT result FROM es_commands WHERE command_id = $1`;
