import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { readStoryboard, type DocumentFilterHit, type DocumentFilterHitsEvent, type Storyboard } from '@reelcraft/shared';
import type * as Y from 'yjs';
import { CollabDocuments } from '../collab/collab-documents';
import { ContentScreening } from './content-screening';

/** How long after the last edit the live storyboard is read again: people are mid-word before that. */
const DEBOUNCE_MS = 800;

/**
 * The live storyboard is not blocked keystroke by keystroke: a moment after people stop typing,
 * its text is screened (stage `document`) and the hits (where, which category, never the rule)
 * go to the project's members, whose editors mark them. New hits are counted and audited once.
 */
@Injectable()
export class DocumentScreening implements OnModuleDestroy {
  private readonly logger = new Logger('DocumentFilter');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly latest = new Map<string, DocumentFilterHit[]>();
  /** The words each announced hit matched (kept here: members are sent where, not what). */
  private readonly matchedText = new WeakMap<DocumentFilterHit, string>();
  private readonly listeners = new Set<(e: DocumentFilterHitsEvent) => void>();
  private readonly stop: () => void;

  constructor(
    documents: CollabDocuments,
    private readonly screening: ContentScreening,
  ) {
    this.stop = documents.onChanged((projectId, doc) => this.schedule(projectId, doc));
  }

  onHits(listener: (e: DocumentFilterHitsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The hits last announced for a project, for a member who joins later. */
  hitsOf(projectId: string): DocumentFilterHit[] {
    return this.latest.get(projectId) ?? [];
  }

  onModuleDestroy(): void {
    this.stop();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(projectId: string, doc: Y.Doc): void {
    const pending = this.timers.get(projectId);
    if (pending) clearTimeout(pending);
    const timer = setTimeout(() => {
      this.timers.delete(projectId);
      this.check(projectId, doc).catch((err: Error) => this.logger.warn(`could not screen project ${projectId}: ${err.message}`));
    }, DEBOUNCE_MS);
    timer.unref();
    this.timers.set(projectId, timer);
  }

  /** Screens the document now; exposed for tests and for a rule change that should show at once. */
  async check(projectId: string, doc: Y.Doc): Promise<DocumentFilterHit[]> {
    const read = readStoryboard(doc);
    if (!read.ok) return this.hitsOf(projectId);
    const filter = await this.screening.filter();
    const found: (DocumentFilterHit & { rule_id: string; text: string })[] = [];
    for (const { scene_id, field, text } of textsOf(read.value)) {
      if (!text) continue;
      for (const m of filter.check(text, 'document')) found.push({ scene_id, field, start: m.start, end: m.end, category: m.category, action: m.action, rule_id: m.rule_id, text: m.text });
    }
    // The members see where and which category, never which rule.
    const hits: DocumentFilterHit[] = found.map(({ rule_id: _r, text: _t, ...hit }) => hit);
    const before = this.hitsOf(projectId);
    const known = new Set(keys(before, before.map((h) => this.matchedText.get(h) ?? '')));
    const foundKeys = keys(hits, found.map((h) => h.text));
    const fresh = found.filter((_, i) => !known.has(foundKeys[i]!));
    found.forEach((h, i) => this.matchedText.set(hits[i]!, h.text));
    if (fresh.length) {
      // Audited (and counted) once per new hit, not on every debounced read.
      await this.screening.recordDocumentHits(projectId, fresh);
    }
    const moved = hits.some((h, i) => before[i]?.start !== h.start || before[i]?.end !== h.end || before[i]?.field !== h.field);
    if (fresh.length || before.length !== hits.length || moved) {
      this.latest.set(projectId, hits);
      if (hits.length === 0) this.latest.delete(projectId);
      for (const l of this.listeners) l({ project_id: projectId, hits });
    }
    return hits;
  }
}

/**
 * A hit is the same hit while the same words stay in the same field, wherever typing around them
 * moves them: keyed by field, category and the matched text, numbered by occurrence.
 */
function keys(hits: readonly DocumentFilterHit[], texts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return hits.map((h, i) => {
    const base = `${h.scene_id}|${h.field}|${h.category}|${texts[i] ?? ''}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return `${base}|${n}`;
  });
}

/** Every text of the storyboard people write, with where it is. */
function textsOf(sb: Storyboard): { scene_id: string | null; field: string; text: string }[] {
  const out: { scene_id: string | null; field: string; text: string }[] = [
    { scene_id: null, field: 'title', text: sb.title },
    { scene_id: null, field: 'style_prompt', text: sb.style.style_prompt },
  ];
  for (const c of sb.characters) {
    out.push({ scene_id: null, field: `character:${c.id}:name`, text: c.name });
    out.push({ scene_id: null, field: `character:${c.id}:description`, text: c.description });
  }
  for (const s of sb.scenes) {
    out.push({ scene_id: s.id, field: 'description', text: s.description });
    out.push({ scene_id: s.id, field: 'subtitle', text: s.subtitle });
    for (const c of s.comments) out.push({ scene_id: s.id, field: `comment:${c.id}`, text: c.text });
  }
  return out;
}
