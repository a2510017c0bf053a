import { MigrationInterface, QueryRunner } from 'typeorm';
import { sqlDialect } from './sql-dialect';

/**
 * PostgreSQL only: appending a batch of Yjs updates when several instances write one document
 * (DocUpdatesRepository.appendShared) as one call instead of a four-round-trip transaction. The
 * lock and the INSERT stay two statements inside the function, so the INSERT's snapshot is taken
 * after the lock and sees the previous holder's rows (READ COMMITTED takes one per statement);
 * the lock ends with the call's own transaction. SQLite serialises appends by itself.
 */
export class DocUpdatesAppend1765900000000 implements MigrationInterface {
  name = 'DocUpdatesAppend1765900000000';

  async up(q: QueryRunner): Promise<void> {
    if (!sqlDialect(q).pg) return;
    await q.query(`CREATE FUNCTION reelcraft_append_doc_updates(p_project varchar, p_updates bytea[], p_users varchar[]) RETURNS integer
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        top integer;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('doc_updates_append:' || p_project));
        WITH stored AS (
          INSERT INTO doc_updates (project_id, seq, "update", user_id)
          SELECT p_project, prev.n + t.ord, t.u, t.uid
          FROM (SELECT COALESCE(MAX(seq), 0) AS n FROM doc_updates WHERE project_id = p_project) prev,
               unnest(p_updates, p_users) WITH ORDINALITY AS t(u, uid, ord)
          RETURNING seq)
        SELECT MAX(seq) INTO top FROM stored;
        RETURN top;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (!sqlDialect(q).pg) return;
    await q.query(`DROP FUNCTION reelcraft_append_doc_updates(varchar, bytea[], varchar[])`);
  }
}
