// kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration), as
// lab/sim/kubectl/duration.py mirrors it, for ages and LAST SEEN columns.

/** HumanDuration of `seconds`. */
export function humanDuration(seconds) {
  const secs = Math.trunc(seconds);
  if (secs < -1) return "<invalid>";
  if (secs < 0) return "0s";
  if (secs < 120) return `${secs}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = Math.floor(seconds) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    const y = Math.floor(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** translateTimestampSince: "<unknown>" without a timestamp. */
export function since(timestamp, now) {
  if (!timestamp) return "<unknown>";
  return humanDuration((Date.parse(now) - Date.parse(timestamp)) / 1000);
}
