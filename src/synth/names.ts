/**
 * Embedded reference lists for the synthetic cohort: given names, surnames, streets and ZIP prefixes.
 * The names are common US names (in the spirit of the Social Security Administration's baby-name lists
 * and the Census Bureau's surname frequency table); the lists are sorted so that a list index is also the
 * code of a categorical column whose dictionary is the list itself.
 */

function sortedUnique(words: string): readonly string[] {
  return [...new Set(words.split(/\s+/).filter(Boolean))].sort();
}

/** Female given names (sorted, unique). */
export const FEMALE_NAMES: readonly string[] = sortedUnique(`
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra
Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura
Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine
Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly
Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara
Madison Frances Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle
Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Rosa Yolanda Guadalupe
Carmen Ana Lucia Sofia Camila Valeria Ximena Leticia Alejandra Adriana Mei Ling Priya Aisha Fatima Keisha
Tamika Latoya Ebony Shanice Jasmine Destiny Imani Aaliyah Monique Naomi Ruby Hazel Ella Chloe Zoe Lily
Nora Leah Audrey Claire Stella Violet Paisley Aurora Savannah Brooklyn Bella Skylar Lucy Caroline Genesis
Kennedy Allison Gabriella Madelyn Cora Eleanor Ivy Riley Quinn Sadie Piper Lydia Alexa Josephine Emery
Julia Delilah Vivian Kinsley Hailey Sienna Ariana Nevaeh Eva Maya Willow Elena Jade Mila Luna Layla
`);

/** Male given names (sorted, unique). */
export const MALE_NAMES: readonly string[] = sortedUnique(`
James Robert John Michael David William Richard Joseph Thomas Christopher Charles Daniel Matthew Anthony
Mark Donald Steven Andrew Paul Joshua Kenneth Kevin Brian George Timothy Ronald Jason Edward Jeffrey Ryan
Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander
Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter Kyle
Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence
Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent Mason
Roy Ralph Bobby Russell Bradley Philip Eugene Carlos Luis Miguel Jorge Pedro Alejandro Diego Rafael
Manuel Ricardo Fernando Javier Hector Ramon Wei Jun Hiroshi Raj Arjun Vikram Omar Ahmed Hassan Tariq
DeShawn Jamal Darnell Tyrone Malik Andre Marcus Terrence Reginald Cedric Demetrius Lamar Xavier Isaiah
Liam Oliver Lucas Levi Sebastian Mateo Owen Theodore Wyatt Hudson Grayson Leo Julian Ezra Luke Asher
Caleb Isaac Lincoln Jaxon Josiah Hunter Landon Adrian Cameron Connor Santiago Eli Jaxson Colton Dominic
Ian Everett Jace Kai Ayden Miles Silas Declan Rowan Jonah Easton Carson Brody Emmett Graham Micah
`);

/** Surnames (sorted, unique). */
export const LAST_NAMES: readonly string[] = sortedUnique(`
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall
Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes
Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard
Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price
Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell
Coleman Butler Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton
Graham Reynolds Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar
Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells
Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez
Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone
Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan
Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley
Knight Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry
Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero
George Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper Burke Larson Santiago
Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs Obrien Lynch Singh Vega Bishop
Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims Espinoza Howell Li Wong Reid Hanson Le
McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas Marquez Fields Park Yang Little Banks Padilla
Day Walsh Bowman Schultz Luna Fowler Mejia Davidson Acosta Brewer May Holland Juarez Newman Pearson
Curtis Cortez Douglas Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins
Campos Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers Neal
Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters Cohen
`);

/** Street names and suffixes for addresses written into notes. */
export const STREET_NAMES: readonly string[] = sortedUnique(`
Maple Oak Pine Cedar Elm Washington Lake Hill Park Main Church Spring Sunset Highland Forest Meadow
Ridge River Walnut Chestnut Lincoln Jefferson Madison Franklin Adams Willow Birch Cherry Dogwood Magnolia
Lakeview Hillcrest Valley Prospect Center Mill Union Summit Orchard Jackson Grant Locust Sycamore Poplar
`);
export const STREET_SUFFIXES: readonly string[] = ['Ave', 'Blvd', 'Ct', 'Dr', 'Ln', 'Pl', 'Rd', 'St', 'Way'];

/**
 * Three-digit ZIP prefixes with an (approximate) city and state and a sampling weight. The last group are
 * prefixes that HIPAA's Safe Harbor method restricts (fewer than 20,000 residents in the 2000 census:
 * 45 CFR 164.514(b)(2)(i)(B)); Safe Harbor de-identification must replace them with 000.
 */
export interface ZipPrefix {
  readonly prefix: string;
  readonly city: string;
  readonly state: string;
  readonly weight: number;
  readonly restricted: boolean;
}

const ZIP_ROWS: ReadonlyArray<readonly [string, string, string, number]> = [
  ['021', 'Boston', 'MA', 6],
  ['100', 'New York', 'NY', 9],
  ['112', 'Brooklyn', 'NY', 7],
  ['191', 'Philadelphia', 'PA', 5],
  ['200', 'Washington', 'DC', 3],
  ['212', 'Baltimore', 'MD', 3],
  ['282', 'Charlotte', 'NC', 3],
  ['303', 'Atlanta', 'GA', 5],
  ['331', 'Miami', 'FL', 5],
  ['372', 'Nashville', 'TN', 3],
  ['441', 'Cleveland', 'OH', 3],
  ['462', 'Indianapolis', 'IN', 3],
  ['482', 'Detroit', 'MI', 4],
  ['532', 'Milwaukee', 'WI', 2],
  ['554', 'Minneapolis', 'MN', 3],
  ['606', 'Chicago', 'IL', 8],
  ['631', 'St. Louis', 'MO', 3],
  ['700', 'New Orleans', 'LA', 2],
  ['752', 'Dallas', 'TX', 5],
  ['770', 'Houston', 'TX', 7],
  ['782', 'San Antonio', 'TX', 4],
  ['802', 'Denver', 'CO', 4],
  ['850', 'Phoenix', 'AZ', 5],
  ['900', 'Los Angeles', 'CA', 9],
  ['921', 'San Diego', 'CA', 4],
  ['941', 'San Francisco', 'CA', 4],
  ['972', 'Portland', 'OR', 3],
  ['981', 'Seattle', 'WA', 4],
];

/** HIPAA Safe Harbor restricted three-digit ZIP prefixes used here (each with a small weight). */
const RESTRICTED_ROWS: ReadonlyArray<readonly [string, string, string]> = [
  ['036', 'Claremont', 'NH'],
  ['059', 'Island Pond', 'VT'],
  ['102', 'New York', 'NY'],
  ['203', 'Washington', 'DC'],
  ['556', 'Two Harbors', 'MN'],
  ['692', 'Valentine', 'NE'],
  ['790', 'Amarillo', 'TX'],
  ['821', 'Yellowstone', 'WY'],
  ['823', 'Rawlins', 'WY'],
  ['830', 'Jackson', 'WY'],
  ['831', 'Kemmerer', 'WY'],
  ['878', 'Socorro', 'NM'],
  ['879', 'Truth or Consequences', 'NM'],
  ['884', 'Tucumcari', 'NM'],
  ['890', 'Las Vegas', 'NV'],
  ['893', 'Ely', 'NV'],
];

export const ZIP_PREFIXES: readonly ZipPrefix[] = [
  ...ZIP_ROWS.map(([prefix, city, state, weight]) => ({ prefix, city, state, weight, restricted: false })),
  ...RESTRICTED_ROWS.map(([prefix, city, state]) => ({
    prefix,
    city,
    state,
    weight: 0.25,
    restricted: true,
  })),
];

/** The restricted prefixes, for tests and for the privacy stage's own checks. */
export const RESTRICTED_ZIP_PREFIXES: readonly string[] = RESTRICTED_ROWS.map((r) => r[0]);

/** Telephone area codes (used for phone numbers in notes). */
export const AREA_CODES: readonly string[] = [
  '212',
  '213',
  '214',
  '303',
  '305',
  '312',
  '313',
  '404',
  '415',
  '503',
  '602',
  '617',
  '615',
  '704',
  '713',
  '720',
  '773',
  '206',
  '210',
  '215',
  '216',
  '317',
  '410',
  '414',
  '504',
  '612',
  '619',
  '702',
  '718',
  '307',
];

/** Mail domains for e-mail addresses in notes (reserved example domains: nothing real is addressed). */
export const MAIL_DOMAINS: readonly string[] = [
  'example.com',
  'example.net',
  'example.org',
  'mail.example.com',
];
