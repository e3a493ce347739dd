import { useId } from "react";

/** WMO weather codes (as Open-Meteo reports them) grouped into what an icon can show. */
export type WeatherGroup = "clear" | "partly" | "cloudy" | "fog" | "drizzle" | "rain" | "snow" | "storm";

export function weatherGroup(code: number): WeatherGroup {
  if (code <= 1) return "clear";
  if (code === 2) return "partly";
  if (code === 3) return "cloudy";
  if (code === 45 || code === 48) return "fog";
  if (code >= 51 && code <= 57) return "drizzle";
  if ((code >= 61 && code <= 67) || (code >= 80 && code <= 82)) return "rain";
  if ((code >= 71 && code <= 77) || code === 85 || code === 86) return "snow";
  if (code >= 95) return "storm";
  return "cloudy";
}

/** A cloud made of three circles and a base, 31 × 21 units, filled (no outline) so it reads at any size. */
function CloudShape() {
  return (
    <>
      <circle cx="16" cy="28" r="6" />
      <circle cx="25" cy="22" r="9" />
      <circle cx="34" cy="27" r="7" />
      <rect x="16" y="27" width="18" height="7" />
    </>
  );
}

/** With `halo`, an outline in the card's own colour first, so the cloud stands apart from what is behind it. */
function Cloud({ className, transform, halo = false }: { className: string; transform?: string; halo?: boolean }) {
  return (
    <g transform={transform}>
      {halo && (
        <g className="fill-none stroke-white dark:stroke-neutral-900" strokeWidth={3.5}>
          <CloudShape />
        </g>
      )}
      <g className={className}>
        <CloudShape />
      </g>
    </g>
  );
}

function Sun({ cx, cy, r }: { cx: number; cy: number; r: number }) {
  const rays = Array.from({ length: 8 }, (_, i) => {
    const angle = (i * Math.PI) / 4;
    const [x1, y1] = [cx + Math.cos(angle) * (r + 3), cy + Math.sin(angle) * (r + 3)];
    const [x2, y2] = [cx + Math.cos(angle) * (r + 6.5), cy + Math.sin(angle) * (r + 6.5)];
    return `M${x1.toFixed(2)} ${y1.toFixed(2)}L${x2.toFixed(2)} ${y2.toFixed(2)}`;
  }).join("");
  return (
    <g>
      <path d={rays} className="stroke-amber-400" strokeWidth={2.5} strokeLinecap="round" />
      <circle cx={cx} cy={cy} r={r} className="fill-amber-400" />
    </g>
  );
}

function Moon({ cx, cy, r, maskId }: { cx: number; cy: number; r: number; maskId: string }) {
  return (
    <g>
      <mask id={maskId}>
        <rect width="48" height="48" fill="white" />
        <circle cx={cx + r * 0.55} cy={cy - r * 0.45} r={r * 0.85} fill="black" />
      </mask>
      <circle cx={cx} cy={cy} r={r} mask={`url(#${maskId})`} className="fill-indigo-300 dark:fill-indigo-200" />
    </g>
  );
}

const LIGHT_CLOUD = "fill-slate-300 dark:fill-slate-400";
const FRONT_CLOUD = "fill-slate-200 dark:fill-slate-300";
const DARK_CLOUD = "fill-slate-400 dark:fill-slate-500";

/** A coloured weather symbol for a WMO code, day or night. Decorative: the condition is always written next to it. */
export function WeatherIcon({ code, isDay = true, className = "size-12" }: { code: number; isDay?: boolean; className?: string }) {
  const maskId = useId();
  const group = weatherGroup(code);
  const raised = "translate(0 -5)";
  let content;
  switch (group) {
    case "clear":
      content = isDay ? <Sun cx={24} cy={24} r={8.5} /> : <Moon cx={24} cy={24} r={12} maskId={maskId} />;
      break;
    case "partly":
      content = (
        <>
          {isDay ? <Sun cx={17} cy={16} r={6} /> : <Moon cx={17} cy={16} r={9} maskId={maskId} />}
          <Cloud className={FRONT_CLOUD} transform="translate(7 8) scale(0.82)" halo />
        </>
      );
      break;
    case "cloudy":
      content = (
        <>
          <Cloud className={LIGHT_CLOUD} transform="translate(6 -4) scale(0.8)" />
          <Cloud className={FRONT_CLOUD} transform="translate(-2 3)" halo />
        </>
      );
      break;
    case "fog":
      content = (
        <>
          <Cloud className={LIGHT_CLOUD} transform="translate(0 -7)" />
          <path
            d="M9 32h24M14 37h26M9 42h20"
            className="stroke-slate-400 dark:stroke-slate-500"
            strokeWidth={2.5}
            strokeLinecap="round"
          />
        </>
      );
      break;
    case "drizzle":
    case "rain":
      content = (
        <>
          <Cloud className={DARK_CLOUD} transform={raised} />
          <path
            d={group === "rain" ? "M18 33l-2.5 6M25 33l-2.5 6M32 33l-2.5 6M21.5 40.5l-1.5 3.5M28.5 40.5l-1.5 3.5" : "M18 34l-1 2.5M25 36l-1 2.5M32 34l-1 2.5"}
            className="stroke-blue-500 dark:stroke-sky-400"
            strokeWidth={2.5}
            strokeLinecap="round"
          />
        </>
      );
      break;
    case "snow":
      content = (
        <>
          <Cloud className={LIGHT_CLOUD} transform={raised} />
          <g className="fill-sky-400 dark:fill-sky-200">
            <circle cx="17" cy="35" r="2" />
            <circle cx="25" cy="37" r="2" />
            <circle cx="33" cy="35" r="2" />
            <circle cx="21" cy="42" r="2" />
            <circle cx="29" cy="42" r="2" />
          </g>
        </>
      );
      break;
    case "storm":
      content = (
        <>
          <Cloud className="fill-slate-500 dark:fill-slate-400" transform={raised} />
          <path d="M26 27l-6 9h5l-3 8 9-11h-5l3-6Z" className="fill-amber-400" />
        </>
      );
      break;
  }
  return (
    <svg viewBox="0 0 48 48" aria-hidden="true" focusable="false" className={className}>
      {content}
    </svg>
  );
}
