"""The workshops views, by audience: `agenda` (staff preparing), `console` (staff running: the
console and the projector), `phones` (young people taking part); `_common` is what they share."""
