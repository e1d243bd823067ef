// How the synthetic estate names products in each export, and who uses what. Codes are catalogue codes.

/** Names as LRT and the Autodesk portal write them (each resolves through the catalogue). */
export const DISPLAY_NAME: Record<string, string> = {
  ACD: 'AutoCAD', ACDLT: 'AutoCAD LT', RVT: 'Revit', CIV3D: 'Civil 3D', NAVMAN: 'Navisworks Manage', '3DSMAX': '3ds Max',
  RECAP: 'ReCap Pro', FORMIT: 'FormIt Pro', MAP: 'AutoCAD Map 3D', INFMDR: 'Autodesk InfraWorks', VEHTRK: 'Vehicle Tracking',
  RSAPRO: 'Robot Structural Analysis Professional', ADSTPR: 'Advance Steel', INVPROSA: 'Inventor Professional',
  AMECH_PP: 'AutoCAD Mechanical', VRDDES: 'VRED Design', NINCAD: 'Nastran In-CAD', MAYA: 'Maya', ARNOL: 'Arnold',
  MBXPRO: 'Mudbox', MOBPRO: 'MotionBuilder', VRDPRO: 'VRED Professional',
};

/** Offering names as the subscriptions export and the roster write them. */
export const OFFERING_NAME: Record<string, string> = {
  AECCOL: 'Architecture Engineering & Construction Collection',
  PDCOLL: 'Product Design & Manufacturing Collection',
  MECOLL: 'Media & Entertainment Collection',
  ACD: 'AutoCAD - including specialized toolsets',
  ACDLT: 'AutoCAD LT',
  // Standalone seats bought for one project and left with people who never open them (unused_assignment).
  NAVMAN: 'Navisworks Manage',
  '3DSMAX': '3ds Max',
  FLEX: 'Flex',
};

export const VERSIONS: Record<string, readonly string[]> = {
  default: ['2026', '2025', '2025', '2024'],
};

export const FEATURES: Record<string, readonly string[]> = {
  ACD: ['Drawing', 'Xref', 'Layout', 'Plot', 'DWG Compare'],
  ACDLT: ['Drawing', 'Layout', 'Plot'],
  RVT: ['Modeling', 'Sheets', 'Families', 'Worksharing', 'Render', 'Schedules'],
  CIV3D: ['Corridors', 'Surfaces', 'Pipe Networks', 'Grading'],
  INVPROSA: ['Part', 'Assembly', 'Drawing', 'Frame Generator', 'Stress Analysis'],
  '3DSMAX': ['Modeling', 'Arnold Render', 'Animation'],
  MAYA: ['Modeling', 'Rigging', 'Animation', 'Bifrost'],
  NAVMAN: ['Clash Detective', 'TimeLiner', 'Quantification'],
};

export type Role = 'architect' | 'civil' | 'structural' | 'mechanical' | 'viz' | 'drafter' | 'drafter_lt';

export interface RoleProfile {
  offering: string;
  /** Primary, secondary, then occasional products (members of the offering). */
  mix: readonly string[];
  weights: readonly number[];
  team: string;
  costCentre: string;
}

export const ROLES: Record<Role, RoleProfile> = {
  architect: { offering: 'AECCOL', mix: ['RVT', 'ACD', 'NAVMAN', '3DSMAX', 'RECAP', 'FORMIT'], weights: [60, 20, 8, 5, 4, 3], team: 'Architecture', costCentre: 'CC-1100' },
  civil: { offering: 'AECCOL', mix: ['CIV3D', 'ACD', 'MAP', 'INFMDR', 'NAVMAN', 'VEHTRK'], weights: [60, 18, 8, 7, 4, 3], team: 'Civil & Infrastructure', costCentre: 'CC-1200' },
  structural: { offering: 'AECCOL', mix: ['RVT', 'RSAPRO', 'ADSTPR', 'ACD', 'NAVMAN'], weights: [55, 20, 12, 8, 5], team: 'Structures', costCentre: 'CC-1300' },
  mechanical: { offering: 'PDCOLL', mix: ['INVPROSA', 'ACD', 'AMECH_PP', 'NAVMAN', 'VRDDES', 'NINCAD'], weights: [62, 15, 10, 5, 4, 4], team: 'Product Engineering', costCentre: 'CC-2100' },
  viz: { offering: 'MECOLL', mix: ['3DSMAX', 'MAYA', 'ARNOL', 'MBXPRO', 'MOBPRO'], weights: [55, 25, 10, 5, 5], team: 'Visualisation', costCentre: 'CC-3100' },
  drafter: { offering: 'ACD', mix: ['ACD'], weights: [1], team: 'Drafting', costCentre: 'CC-1400' },
  drafter_lt: { offering: 'ACDLT', mix: ['ACDLT'], weights: [1], team: 'Drafting', costCentre: 'CC-1400' },
};

export const ROLE_WEIGHTS: ReadonlyArray<readonly [Role, number]> = [
  ['architect', 30], ['civil', 18], ['structural', 8], ['mechanical', 14], ['viz', 6], ['drafter', 16], ['drafter_lt', 8],
];

export const COLLECTIONS = new Set(['AECCOL', 'PDCOLL', 'MECOLL']);

export const FIRST_NAMES = ['James', 'Mary', 'Oliver', 'Amelia', 'Noah', 'Priya', 'Wei', 'Sofia', 'Lucas', 'Aisha', 'Mateo', 'Hannah', 'Ethan',
  'Chloe', 'Arjun', 'Mei', 'Daniel', 'Fatima', 'Leo', 'Grace', 'Samuel', 'Isla', 'Kenji', 'Nora', 'Omar', 'Zoe', 'Ravi', 'Elena', 'Tom', 'Ana',
  'Henry', 'Yuki', 'Ben', 'Laura', 'Diego', 'Sara', 'Kofi', 'Emma', 'Ivan', 'Lily'];
export const LAST_NAMES = ['Smith', 'Jones', 'Patel', 'Chen', 'Garcia', 'Brown', 'Khan', 'Wilson', 'Nguyen', 'Taylor', 'Silva', 'Murphy', 'Kim',
  'Müller', 'Rossi', 'Okafor', 'Tanaka', 'Evans', 'Singh', 'Walker', "O'Brien", 'Lopez', 'Novak', 'Hughes', 'Sato', 'Clarke', 'Ahmed', 'Berg',
  'Costa', 'Wright', 'Dubois', 'Lee', 'Young', 'Hall', 'Moreau', 'Green'];

export interface Site {
  code: string;
  domain: string;
  /** First two octets of the site's 10.x.0.0/16 range. */
  net: string;
  weight: number;
}

export const SITES: readonly Site[] = [
  { code: 'LON', domain: 'lon.corp.contoso.com', net: '10.10', weight: 45 },
  { code: 'NYC', domain: 'nyc.corp.contoso.com', net: '10.20', weight: 40 },
  { code: 'SGP', domain: 'sgp.corp.contoso.com', net: '10.30', weight: 15 },
];

export const CORPORATE_EMAIL_DOMAINS = ['contoso.com', 'contoso-eng.com'];
export const CONTRACTOR_DOMAIN = 'buildpartners.com';
/** The site that goes silent for a while (telemetry gap). */
export const GAP_SITE = 'SGP';
export const GAP_DAYS = 18;
/** The product a project ramp-up brings many users to for one month (usage_spike): steel detailing for a new job. */
export const SPIKE_PRODUCT = 'ADSTPR';
/** Extra users the ramp-up brings (baseline is under ten a month, so 1.5x and +10 both hold). */
export const SPIKE_USERS = 16;
/** Standalone offerings some AutoCAD drafters hold but never open (unused_assignment). */
export const UNUSED_OFFERINGS = ['NAVMAN', '3DSMAX'] as const;
