/**
 * Word lists for free-text de-identification, written for Aegle (not derived from any evaluation
 * corpus): common US given names and surnames (in the spirit of the SSA baby-name and Census surname
 * frequency tables), common English words (a capitalised word that is not one of these is a name
 * candidate), personal titles and credentials. All entries are lower case.
 */

function words(text: string): ReadonlySet<string> {
  return new Set(
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => w.toLowerCase()),
  );
}

/** Common given names (US, all decades; plus frequent Hispanic, South Asian, East Asian, African-American names). */
export const GIVEN_NAMES = words(`
aaron abby abigail ada adam adele adrian adriana agnes ahmed aidan aisha al alan albert alberto alex alexander
alexandra alexis alfred ali alice alicia alison allen allison alma alvin amanda amber amelia amina amir amy ana
andre andrea andres andrew andy angel angela angelica angie anita ann anna anne annette annie anthony antonio
april archie ariana arjun arlene arnold arthur ashley audrey austin ava barbara barry beatrice becky ben benjamin
bernard bernice beth betty beverly bill billy blake bobby bonnie brad bradley brandon brenda brent brett brian
bridget brittany brooke bruce bryan caleb calvin cameron camila candace carl carla carlos carmen carol caroline
carolyn carrie casey cassandra catherine cathy cecilia chad charlene charles charlie charlotte chelsea cheryl
chloe chris christian christina christine christopher cindy claire clara clarence claudia clayton clifford
clinton cody colin colleen connie connor constance corey courtney craig crystal curtis cynthia daisy dale dana
daniel danielle danny darlene darnell darren darryl dave david dawn dean deanna debbie deborah debra delores
denise dennis derek derrick desiree destiny devin diana diane dianne diego dolores dominic don donald donna
doris dorothy douglas duane dustin dwayne dylan earl ed eddie edgar edith edna eduardo edward edwin eileen elaine
eleanor elena eli elijah elizabeth ella ellen elsie emily emma emmanuel enrique eric erica erik erin ernest
esther ethan ethel eugene eva evan evelyn faith fatima felicia felix fernando florence frances francis
francisco frank franklin fred freddie frederick gabriel gabriela gail gary gene geneva george georgia gerald
geraldine gilbert gina glen glenda glenn gloria gordon grace greg gregory gwendolyn hailey hannah harold harry
harvey hassan hazel heather hector heidi helen henry herbert herman hilda holly howard hugh hunter ian irene
iris isaac isabel isabella ivan jack jackie jacob jacqueline jaime jake james jamie jan jane janet janice
jared jasmine jason javier jay jean jeanette jeanne jeff jeffery jeffrey jenna jennifer jenny jeremy jerome
jerry jesse jessica jesus jill jim jimmy jo joan joann joanna joanne joe joel john johnny jon jonathan jordan
jorge jose joseph josephine josh joshua joy joyce juan juanita judith judy julia julian julie julio justin
kaitlyn kara karen kari karl kate katherine kathleen kathryn kathy katie kayla keith kelly ken kendra kenneth
kevin kim kimberly kirk kristen kristin kristina kristy kurt kyle lance larry latoya laura lauren laurie
lawrence leah lee leo leon leonard leroy leslie lester lewis liam lillian lily linda lindsay lindsey lisa lloyd
logan lois lonnie lora lorena lori lorraine louis louise lucas lucia lucy luis luke lydia lynn mabel madison
maggie malik mandy manuel marc marcia marco marcus margaret margarita maria marian marie marilyn mario marion
marjorie mark marlene marsha marshall martha martin marvin mary mason matthew maureen max maxine megan
melanie melinda melissa melvin meredith mia micah michael michele michelle miguel mike mildred miranda
mohammed molly monica morgan muhammad nancy naomi natalie nathan nathaniel neil nelson nicholas nicole noah
nora norma norman olivia omar oscar pamela patricia patrick paul paula pauline pedro peggy penny peter philip
phillip phyllis priya rachel rafael raj ralph ramon randall randy raul ray raymond rebecca regina reginald
renee rhonda ricardo richard rick ricky rita rob robert roberta roberto robin rochelle rodney roger roland
ron ronald ronnie rosa rosemary ross roy ruben ruby russell ruth ryan sabrina sally salvador sam samantha
samuel sandra sara sarah scott sean sergio seth shane shannon sharon shawn sheila shelby shelly sherri
sherry shirley sidney sofia sonia sophia stacey stacy stanley stella stephanie stephen steve steven sue susan
suzanne sylvia tamara tammy tanya tara taylor ted teresa terrance terri terry thelma theodore theresa thomas
tiffany tim timothy tina todd tom tommy toni tony tonya tracey tracy travis trevor tricia troy tyler tyrone
valerie vanessa vera vernon veronica vicki vickie victor victoria vincent violet virginia vivian wade wallace
walter wanda warren wayne wei wendy wesley whitney william willie wilma yolanda yvonne zachary zoe
`);

/** Common surnames (US Census top surnames). */
export const SURNAMES = words(`
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson
anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis robinson
walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall rivera campbell
mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes stewart morris morales
murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson
watson brooks chavez wood james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long
ross foster jimenez powell jenkins perry russell sullivan bell coleman butler henderson barnes gonzales fisher
vasquez simmons romero jordan patterson alexander hamilton graham reynolds griffin wallace moreno west cole hayes
bryant herrera gibson ellis tran medina aguilar stevens murray ford castro marshall owens harrison fernandez
mcdonald woods washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson
simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes palmer wagner black
robertson boyd rose stone salazar fox warren mills meyer rice schmidt garza daniels ferguson nichols stephens
soto weaver ryan gardner payne grant dunn kelley spencer hawkins arnold pierce vazquez hansen peters santos hart
bradley knight elliott cunningham duncan armstrong hudson carroll lane riley andrews alvarado ray delgado berry
perkins hoffman johnston matthews pena richards contreras willis carpenter lawrence sandoval guerrero george
chapman rios estrada ortega watkins greene nunez wheeler valdez harper burke larson santiago maldonado morrison
franklin carlson austin dominguez carr lawson jacobs obrien lynch singh vega bishop montgomery oliver jensen
harvey williamson gilbert dean sims espinoza howell li wong reid hanson le mccoy garrett burton fuller wang
weber welch rojas lucas marquez fields park yang little banks padilla day walsh bowman schultz luna fowler
mejia davidson acosta brewer may holland juarez newman pearson curtis cortez douglas schneider joseph barrett
navarro figueroa keller avila wade molina stanley hopkins campos barnett bates chambers caldwell beck lambert
miranda byrd craig ayala lowe frazier powers neal leonard gregory carrillo sutton fleming rhodes shelton
schwartz norris jennings watts duran walters cohen solomon wiley
`);

/** Given names that are also everyday words: a name only with a cue or next to another name. */
export const AMBIGUOUS_GIVEN = words(`
will may june april mark grace hope joy faith rose bill sue pat don guy art jack frank bob rob ray dean lee
chase hunter august summer autumn dawn iris ruby violet jewel precious max sky rich gene
`);

/** Personal titles (a following word is a name). */
export const TITLES = words(`
dr doctor mr mrs ms miss mx prof professor sir madam dame lord lady rev reverend fr father sister nurse
`);

/** Credentials written after a name (kept inside the name span). */
export const CREDENTIALS = new Set([
  'md',
  'm.d.',
  'do',
  'd.o.',
  'rn',
  'np',
  'pa',
  'pa-c',
  'phd',
  'ph.d.',
  'dds',
  'facp',
  'mph',
  'jr',
  'sr',
  'ii',
  'iii',
]);

/**
 * Common English words, including those that begin sentences and capitalised terms of clinical notes.
 * A capitalised token outside this list (and outside the allowed geography) is a name candidate.
 */
export const COMMON_WORDS = words(`
a about above across act action actually add added address addresses after afternoon again against age
ago agree agreed ahead air all allow almost alone along already also although always am among an and
another answer any anyone anything anyway apart are area argue argument around arrived as ask asked asking
assistant at attention available avoid away back bad balance bank based be became because become been before
began begin behind being believe below best better between big bill billing bit blocked blanket block
blood body book born both bottom boss box break breakfast bridge bring brother brought build building built
bus business but buy by call called calls came can cancel cannot car card care career careers case cause
center certain change changed charge check chest child children choose city class clear client close club
collaborations come coming company composers computer concentrate concert condition conference consider
continue continued contact corner correct could country course credit cultivate cultures current currently
cut daily date day days dear debate decide department designed designs did die different direction
discipline discussed do doctor does doing done door down during each early earth east easy eat either else
email end energy enough entire error even evening ever every everybody everyone everything example
excuse expires eye face fact fall family far father fax feel feet felt few find fine first five floor
follow follows food for foreign form formally forward found four free friend friends friendships from front
full fund funds further game gave general get getting give given glad go god going gone good got great
greater green ground group grow grew guilty had half hand happen happy hard has hate have he head health
hear heard heart help her here hers high him himself his history hold home hope hospital hot hour hours house
how however huge human hundred husband i idea if important in include including increase indeed inside
instead interest interstellar into invites is issue it its itself job join journeys just keep kept kid kind
knew know known land language large last late later law lead learn least leave left less let letter level
lie life light like limit line list listed little live lived lives living local long look looking lost lot
love low made main make man manager many market matter me mean meet member men might million mind minute
miss missing mobile moment money month months more morning most mother move moving much music musical
musicians must my myself name named nan national nature near need needs never new news next nice night no
none nor not note nothing now number of off offer office often oh ok okay old on once one only open opening
or order other others our out outside over own page paid pain paper part partner party pass past patient
pay peace people per perfect perhaps person phone photo picture piece place plan play please pleasures
point police portal possible post posted power prefers present president pretty problem process program
promised provide public published pull put question questions quite rather reach read ready real really
reason receive recent record red regardless relationship reliable remain remember remove report rest
result return right riff rock room round run said same saw say says school second see seem seen sell send
sense serve serves service set several shall share she short should show side since sing singing sir sit site
six size sleep small so social some someone something sometimes son song songs soon sorry sound south speak
special stand start state statement states station stay still stop story street student study such sure
system table take taken talk talking teacher team tell ten test than thank thanks that the their them then
there these they thing things think this those though thought three through time times to today together
told tone too took top toward town transfer tree tried true truth try trying turn two type under
understand unit until up update upon us use used user users usually value very visit wait walk wall want war
was watch water way we week weekend weekends well went were west what when where whether which while white
who whole whom whose why wide wife will win window with within without woman women word words work worked
working world would write writing written wrong year years yes yet you young your yours yourself zip
january february march april may june july august september october november december monday tuesday
wednesday thursday friday saturday sunday labor christmas easter thanksgiving memorial independence
mr mrs ms dr st rd ave blvd apt suite jr sr
american english european union treaty article entertainment weekly mission princess royal university
wisdom capitalized mistaken often tales cautionary snake tube boogie hobbits satanic felines zombie
dimensions shadow journalism teenager studying publishing first action comedy film directed starring
microprocessor industry invested heavily fostering rapid growth non profit founded radio executives
advocate supports songwriters publishers aspect getting according website offer licenses businesses
organizations nearly works inject select from where desk mobile fax office country club helicopter
liftoff suggestion agreed returned jealous maiden debate gender masterpiece building example argued
unbridled creativity better early verses upon celebrating universal around world bridge designed
hear hackers hacker account accounts active subscription statement statements incorrectly appears
balance cancel lost block asap possible certain duration weekly answer ask put go figure
patient patients dob mrn ssn bp bmi hba1c a1c ldl hdl egfr ecg ekg ct mri icu er ed copd chf ckd
visit visits seen presented follow up followup continue continued counseled counseling discussed repeat
return recheck referred refer current former never smoker smoking cessation states lives best e-mail
email mail contact number phone home cell work pager annual physical exam examination history
assessment plan impression diagnosis diagnoses medication medications allergies allergy labs lab
vital vitals signs review systems complaint chief hpi pmh psh social family surgical medical
hypertension diabetes mellitus type obesity asthma pneumonia infection fever cough pain chest abdominal
headache nausea vomiting diarrhea fatigue dizziness shortness breath edema rash normal abnormal stable
improved worsening denies reports admitted discharged discharge admission emergency clinic hospital
department service unit ward room bed floor surgery procedure consult consultation note notes progress
insulin metformin lisinopril aspirin statin atorvastatin amlodipine glucose hemoglobin creatinine
potassium sodium cholesterol triglycerides blood pressure heart rate weight height temperature
oxygen saturation respiratory pulse negative positive pending results result imaging radiology
pathology cardiology neurology oncology pediatrics medicine internal general primary care provider
physician nurse practitioner resident attending fellow team insurance verified prefers messages
diet exercise loss goals nutrition months weeks days symptoms worsen sooner next fasting baseline
woman man male female girl boy adult child infant year-old old yo
and or of in on at to for the a an with by from as is was be are were it this that these those he she
they we you i me my his her their our your its him them us no not yes
`);

/** Geography Safe Harbor allows (states and countries): never redacted on its own. */
export const ALLOWED_GEOGRAPHY = words(`
alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
missouri montana nebraska nevada hampshire jersey mexico york carolina dakota ohio oklahoma oregon
pennsylvania rhode tennessee texas utah vermont virginia washington wisconsin wyoming usa america
`);

/** Street-type words that end a US-style street address. */
export const STREET_SUFFIXES =
  'street|st|road|rd|avenue|ave|drive|dr|lane|ln|court|ct|place|pl|boulevard|blvd|way|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|row|alley|close|crescent|cres|pike|plaza';
