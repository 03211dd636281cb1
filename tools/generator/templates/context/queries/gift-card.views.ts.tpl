/** A gift card as its stream tells it (the book of record). */
export interface GiftCardView {
  readonly id: string;
  readonly title: string;
  readonly version: number;
}

/** A gift card as the gift-card-summaries read model lists it. */
export interface GiftCardSummary {
  readonly id: string;
  readonly title: string;
  readonly createdAt: string;
}

export interface GiftCardPage {
  readonly items: GiftCardSummary[];
  readonly nextCursor: string | null;
}
