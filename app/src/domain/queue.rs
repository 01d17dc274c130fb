//! The queue rule: where a waiting request stands in its group's queue, and how a widget keeps
//! its place current from frames that every waiting widget of the group shares.
//!
//! - A request's **ticket** is its chat id: arrival order. A chat handed back to a queue (its
//!   own or another group's) keeps its ticket, so it goes in ahead of requests that came later.
//! - Its **place** is 1 + the number of waiting tickets lower than its own.
//! - The hub numbers each group's **changes** (a ticket entered, a ticket left) and sends them,
//!   a few times a second, in one `QueueMoved` frame serialised once, to every widget waiting
//!   behind the lowest ticket they touch (the others' places did not move). A widget holds a
//!   `QueueSpot` (its ticket, how many wait ahead as of change n) from its connection's
//!   `QueuePlace`, and counts only the changes after n that are ahead of it. So an accept of
//!   the head costs one frame of one step, whatever the length of the queue.
//! - Changes a widget was never sent were all at or behind its ticket, so a gap in the numbers
//!   changes nothing for it. (A connection that dropped frames is sent a new `QueuePlace`.)

use crate::model::{ChatId, GroupId, QueueStep};

/// A request's ticket in its group's queue: its chat id.
pub type Ticket = ChatId;

/// What a waiting widget knows about its place: enough to follow `QueueMoved` frames alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueSpot {
    pub group: GroupId,
    pub ticket: Ticket,
    /// Waiting requests ahead of this one.
    pub ahead: u32,
    /// The last change of the group's queue that `ahead` counts (numbering of the hub that sent it).
    pub counted: u64,
}

/// What a `QueueMoved` frame did to a spot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Followed {
    /// The new changes were counted (the place may be the same: they were all behind).
    Counted,
    /// Another group's queue.
    Elsewhere,
    /// Every change in it was counted already.
    AlreadyCounted,
}

impl QueueSpot {
    /// 1 = next.
    pub fn place(&self) -> u32 {
        self.ahead + 1
    }

    /// Counts the changes numbered `first`, `first + 1`, … of `group`'s queue that are new here.
    /// Numbers skipped between `counted` and `first` were changes behind this ticket.
    pub fn follow(&mut self, group: GroupId, first: u64, steps: &[QueueStep]) -> Followed {
        if group != self.group {
            return Followed::Elsewhere;
        }
        let seen = (self.counted + 1).saturating_sub(first) as usize;
        if seen >= steps.len() {
            return Followed::AlreadyCounted;
        }
        for step in &steps[seen..] {
            match *step {
                QueueStep::Entered(ticket) if ticket < self.ticket => self.ahead += 1,
                QueueStep::Left(ticket) if ticket < self.ticket => self.ahead = self.ahead.saturating_sub(1),
                // Behind us, or our own ticket (our entering is in the `QueuePlace`; our leaving
                // comes as our own event).
                QueueStep::Entered(_) | QueueStep::Left(_) => {}
            }
        }
        self.counted = first + steps.len() as u64 - 1;
        Followed::Counted
    }
}

/// Changes of one queue not sent yet, numbered from `first`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueChanges {
    pub first: u64,
    pub steps: Vec<QueueStep>,
}

impl QueueChanges {
    /// The lowest ticket these changes touch: only the requests behind it can have moved.
    pub fn lowest(&self) -> Option<Ticket> {
        self.steps.iter().map(|s| s.ticket()).min()
    }
}

/// One group's queue as the hub keeps it: the waiting tickets in order, how many changes it
/// has had, and those not yet sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    waiting: Vec<Ticket>,
    changes: u64,
    unsent: Vec<QueueStep>,
}

impl Queue {
    /// Puts a ticket in its place; false (no change) if it is already waiting.
    pub fn enter(&mut self, ticket: Ticket) -> bool {
        let Err(at) = self.waiting.binary_search(&ticket) else {
            return false;
        };
        self.waiting.insert(at, ticket);
        self.changed(QueueStep::Entered(ticket));
        true
    }

    /// Takes a ticket out; false (no change) if it was not waiting.
    pub fn leave(&mut self, ticket: Ticket) -> bool {
        let Ok(at) = self.waiting.binary_search(&ticket) else {
            return false;
        };
        self.waiting.remove(at);
        self.changed(QueueStep::Left(ticket));
        true
    }

    fn changed(&mut self, step: QueueStep) {
        self.changes += 1;
        self.unsent.push(step);
    }

    /// 1 = next; `None` if the ticket is not waiting.
    pub fn place(&self, ticket: Ticket) -> Option<u32> {
        self.waiting.binary_search(&ticket).ok().map(|at| at as u32 + 1)
    }

    /// A waiting ticket's spot now: its place after every change so far, sent or not.
    pub fn spot(&self, group: GroupId, ticket: Ticket) -> Option<QueueSpot> {
        let ahead = self.place(ticket)? - 1;
        Some(QueueSpot { group, ticket, ahead, counted: self.changes })
    }

    /// The changes not sent yet (taken: the next call has only newer ones).
    pub fn take_unsent(&mut self) -> Option<QueueChanges> {
        if self.unsent.is_empty() {
            return None;
        }
        let steps = std::mem::take(&mut self.unsent);
        Some(QueueChanges { first: self.changes + 1 - steps.len() as u64, steps })
    }

    pub fn has_unsent(&self) -> bool {
        !self.unsent.is_empty()
    }

    /// The waiting tickets behind `ticket`: those whose place a change at `ticket` can move.
    pub fn behind(&self, ticket: Ticket) -> &[Ticket] {
        let from = match self.waiting.binary_search(&ticket) {
            Ok(at) => at + 1,
            Err(at) => at,
        };
        &self.waiting[from..]
    }

    pub fn waiting(&self) -> &[Ticket] {
        &self.waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use QueueStep::Left;

    const GROUP: GroupId = 10;

    fn queue(tickets: &[Ticket]) -> Queue {
        let mut q = Queue::default();
        for t in tickets {
            q.enter(*t);
        }
        q.take_unsent();
        q
    }

    /// Sends the queue's changes as the hub does: to the spots behind the lowest ticket touched.
    fn send(q: &mut Queue, spots: &mut [QueueSpot]) {
        if let Some(changes) = q.take_unsent() {
            let lowest = changes.lowest().unwrap();
            for spot in spots.iter_mut().filter(|s| q.behind(lowest).contains(&s.ticket)) {
                spot.follow(GROUP, changes.first, &changes.steps);
            }
        }
    }

    /// Every waiting widget's spot now, then `change` made and its frame sent: each spot's
    /// place equals the queue's.
    fn follow_all(q: &mut Queue, change: impl FnOnce(&mut Queue)) -> Vec<(Ticket, u32)> {
        let mut spots: Vec<QueueSpot> = q.waiting().iter().map(|t| q.spot(GROUP, *t).unwrap()).collect();
        change(q);
        send(q, &mut spots);
        spots
            .into_iter()
            .filter(|s| q.place(s.ticket).is_some())
            .map(|s| {
                assert_eq!(Some(s.place()), q.place(s.ticket), "ticket {}", s.ticket);
                (s.ticket, s.place())
            })
            .collect()
    }

    #[test]
    fn the_place_is_one_plus_the_lower_tickets_waiting() {
        let q = queue(&[3, 9, 5]);
        assert_eq!(q.waiting(), &[3, 5, 9]);
        assert_eq!((q.place(3), q.place(5), q.place(9), q.place(4)), (Some(1), Some(2), Some(3), None));
    }

    #[test]
    fn the_head_leaving_moves_everyone_up_with_one_step() {
        let mut q = queue(&[1, 2, 3, 4]);
        let spots = follow_all(&mut q, |q| {
            q.leave(1);
        });
        assert_eq!(spots, vec![(2, 1), (3, 2), (4, 3)]);
    }

    #[test]
    fn a_request_leaving_from_the_middle_moves_only_those_behind_it() {
        let mut q = queue(&[1, 2, 3, 4]);
        let spots = follow_all(&mut q, |q| {
            q.leave(3);
        });
        assert_eq!(spots, vec![(1, 1), (2, 2), (4, 3)]);
        assert_eq!(q.behind(3), &[4], "only the one behind is sent the frame");
    }

    #[test]
    fn a_request_back_in_its_queue_goes_in_by_its_ticket_and_moves_later_ones_down() {
        let mut q = queue(&[1, 2, 3]);
        q.leave(1);
        q.take_unsent();
        let spots = follow_all(&mut q, |q| {
            q.enter(1);
        });
        assert_eq!(spots, vec![(2, 2), (3, 3)]);
        assert_eq!(q.spot(GROUP, 1).map(|s| s.place()), Some(1));
    }

    #[test]
    fn a_newcomer_moves_nobody_and_its_own_spot_counts_its_entry() {
        let mut q = queue(&[1, 2]);
        let spots = follow_all(&mut q, |q| {
            q.enter(3);
        });
        assert_eq!(spots, vec![(1, 1), (2, 2)]);
        // The newcomer's spot is taken before the frame with its own entry goes out.
        let mut q = queue(&[1, 2]);
        q.leave(1);
        q.enter(3);
        let mut newcomer = q.spot(GROUP, 3).unwrap();
        assert_eq!(newcomer.place(), 2);
        let changes = q.take_unsent().unwrap();
        assert_eq!(newcomer.follow(GROUP, changes.first, &changes.steps), Followed::AlreadyCounted);
        assert_eq!(newcomer.place(), 2);
    }

    #[test]
    fn a_chat_transferred_into_a_queue_enters_by_its_ticket() {
        // Chat 2 waited in another group (or was active); handed to this queue it goes in
        // between 1 and 5, and 5 and 7 move down.
        let mut q = queue(&[1, 5, 7]);
        let spots = follow_all(&mut q, |q| {
            q.enter(2);
        });
        assert_eq!(spots, vec![(1, 1), (5, 3), (7, 4)]);
        assert_eq!(q.place(2), Some(2));
    }

    #[test]
    fn a_missed_request_leaves_like_any_other() {
        let mut q = queue(&[1, 2, 3]);
        let spots = follow_all(&mut q, |q| {
            q.leave(2); // its deadline passed
            q.leave(1); // accepted in the same flush
        });
        assert_eq!(spots, vec![(3, 1)]);
    }

    /// Found by the equivalence test: a widget is not sent changes behind it, so the numbers it
    /// sees skip; the skipped ones must not count.
    #[test]
    fn changes_a_widget_was_not_sent_were_behind_it() {
        let mut q = queue(&[1, 2, 3, 4]);
        let mut spots: Vec<QueueSpot> = [2, 4].map(|t| q.spot(GROUP, t).unwrap()).to_vec();
        q.leave(3);
        q.enter(6);
        send(&mut q, &mut spots); // to 4 only
        assert_eq!(spots[0].counted, 4, "2 was not sent it");
        q.leave(1);
        send(&mut q, &mut spots);
        assert_eq!(spots.iter().map(|s| s.place()).collect::<Vec<_>>(), vec![1, 2]);
    }

    #[test]
    fn a_new_spot_after_dropped_frames_counts_only_what_follows() {
        let mut q = queue(&[1, 2, 3]);
        q.leave(1);
        let lost = q.take_unsent().unwrap();
        q.leave(2);
        // The connection dropped frames: it is sent the place now, and the frames already in
        // flight count nothing more.
        let mut third = q.spot(GROUP, 3).unwrap();
        assert_eq!(third.place(), 1);
        assert_eq!(third.follow(GROUP, lost.first, &lost.steps), Followed::AlreadyCounted);
        let changes = q.take_unsent().unwrap();
        assert_eq!(third.follow(GROUP, changes.first, &changes.steps), Followed::AlreadyCounted);
        assert_eq!(third.place(), 1);
    }

    #[test]
    fn another_groups_frame_moves_nothing() {
        let q = queue(&[1, 2]);
        let mut second = q.spot(GROUP, 2).unwrap();
        assert_eq!(second.follow(20, 1, &[Left(1)]), Followed::Elsewhere);
        assert_eq!(second.place(), 2);
    }

    #[test]
    fn a_frame_overlapping_what_was_counted_counts_only_the_rest() {
        let mut q = queue(&[1, 2, 3, 4]);
        q.leave(1);
        let mut fourth = q.spot(GROUP, 4).unwrap(); // connected between the two changes
        q.leave(2);
        let changes = q.take_unsent().unwrap();
        assert_eq!(changes.steps, vec![Left(1), Left(2)]);
        assert_eq!(fourth.follow(GROUP, changes.first, &changes.steps), Followed::Counted);
        assert_eq!(fourth.place(), 2);
    }

    #[test]
    fn entering_twice_or_leaving_when_not_waiting_is_no_change() {
        let mut q = queue(&[1]);
        assert!(!q.enter(1));
        assert!(!q.leave(2));
        assert!(!q.has_unsent());
    }

    /// Random enters and leaves, frames sent at random points (each to the spots behind its
    /// lowest ticket), spots taken at random points: every spot shows the queue's place.
    #[test]
    fn spots_follow_any_interleaving_exactly() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut roll = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut q = Queue::default();
        let mut spots: Vec<QueueSpot> = Vec::new();
        for _ in 0..5_000 {
            match roll(6) {
                0 | 1 => {
                    q.enter(roll(60) as Ticket);
                }
                2 | 3 => {
                    q.leave(roll(60) as Ticket);
                }
                4 => {
                    if let Some(t) = q.waiting().get(roll(q.waiting().len().max(1) as u64) as usize).copied() {
                        spots.retain(|s| s.ticket != t);
                        spots.push(q.spot(GROUP, t).unwrap());
                    }
                }
                _ => {
                    spots.retain(|s| q.place(s.ticket).is_some());
                    send(&mut q, &mut spots);
                    for spot in &spots {
                        assert_eq!(Some(spot.place()), q.place(spot.ticket));
                    }
                }
            }
        }
    }
}
