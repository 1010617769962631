/**
 * What callers say: the words (regular expressions) for each intent of the
 * responder's table (intents.ts), and the problems each kind of department
 * handles. Data only — the table decides order and tools. Each pattern is a
 * family of phrasings ("bump / move / push my cleaning …"), never one sentence.
 */
export const EMERGENCY: RegExp[] = [
  /\bchest pains?\b|\bheart attack\b|\bstroke\b|\bcardiac\b/i,
  /\b(can'?t|cannot|can not|couldn'?t|unable to|not|isn'?t|stopped|struggling to|trouble|difficulty|hard to|problems?) (really |properly )?breath(e|ing)\b/i,
  /\bchok(ing|ed)\b|\bunconscious\b|\bunresponsive\b|\bnot (waking up|responding)\b|\bpassed out\b|\bfainted\b|\bcollapsed\b/i,
  /\bbleeding (heavily|a lot|so much|badly|really badly|really bad|profusely|everywhere|non-?stop|won'?t stop)\b|\b(won'?t|will not|doesn'?t|does not|can'?t get it to) stop bleeding\b|\b(lots of|a lot of|so much) blood\b|\bbleeding\b[^.?!]{0,30}\b(won'?t|doesn'?t|does not|will not) stop\b|\bbleeding (really |very )?(badly|heavily)\b/i,
  /\bseizures?\b|\bconvuls/i,
  /\b(lips?|face|skin|fingers?|fingernails)\b[^.?!]{0,15}\b(blue|grey|gray|purple)\b|\bturn(ing|ed) blue\b|\bbreathing (really |very |so )?(fast|hard|heavily|shallow|strangely|funny|weird)\b/i,
  /\boverdos|\bpoison|\bswallowed\b[^.?!]{0,40}\b(bleach|chemicals?|cleaning|cleaner|detergent|pills|tablets|medicine|battery|liquid|poison|magnets?)\b/i,
  /\ballergic reaction\b|\banaphyla|\b(really |very )?(bad|severe|serious) (allergic )?reaction\b/i,
  // Swelling of the airway (lips, tongue, throat) or of the face and jaw (a dental abscess) — not one that "went down".
  /\b(throat|lips?|tongue|mouth)\b[^.?!]{0,30}\b(swelling|swollen|swelled|puffing up|puffed up|closing)\b(?![^.?!]*\b(went|gone|going|come) down\b)/i,
  /\b(face|jaw|cheek|gums?|eye)\b[^.?!]{0,30}\b(swelling|swollen|swelled)\b(?![^.?!]*\b(went|gone|going|come) down\b)|\b(swelling|swollen)\b[^.?!]{0,30}\b(face|jaw|cheek|gums?|lips?|tongue|throat)\b(?![^.?!]*\b(went|gone|going|come) down\b)/i,
  // Severe pain, a broken tooth: the dental emergencies the medical template names.
  /\b(severe|unbearable|excruciating|agonizing|extreme|terrible|horrible|worst) (\w+ )?(pain|toothache)\b|\bpain (is )?(unbearable|excruciating)\b/i,
  /\b(broke|broken|snapped) (a |my |his |her |their |our |the )?(front )?(tooth|teeth)\b|\b(tooth|teeth) (is |are |got |just )?(broken|broke|snapped)( off| in half)?\b/i,
  // A high fever (in Fahrenheit, as North American callers say it).
  /\b(high|very high|really high|spiking a) fever\b|\bfever\b[^.?!]{0,15}\b(10[3-9]|11\d)\b|\b(10[3-9]|11\d)( degrees?)? fever\b/i,
  /\b(tooth|teeth)\b[^.?!]{0,30}\bknocked out\b|\bknocked (out )?(a |my |his |her |their |two |some )?(front )?(tooth|teeth)\b/i,
  /\b(broken|fractured|dislocated) jaw\b|\bhead injury\b|\bhit (his|her|my|their) head\b|\bcar accident\b|\bfell (down|off|on (his|her|my|their) (face|head))\b/i,
  /\bblood (everywhere|all over)\b|\b(bleeding|blood)\b[^.?!]{0,30}\beverywhere\b/i,
  /\bsuicid|\bkill (myself|himself|herself)\b|\bhurt (myself|himself|herself)\b/i,
  /\b(it'?s|this is|having|i have|we have) an? (medical |dental |real )?emergency\b|\b(medical|dental) emergency\b(?! (visits?|appointments?|slots?))|\bcall (911|an ambulance)\b|\bambulance\b/i,
];

export const REFILL: RegExp[] = [
  /\bre-?fill/i,
  /\bp[er]{2}s?cri(p|b)t?ions?\b[^.?!]{0,40}\b(renew|ran out|run out|running out|out of|more|expired|filled|refill)\b/i,
  /\b(renew|refill|need|send|new|another|call in|fill|get)\b[^.?!]{0,30}\bp[er]{2}s?cri(p|b)t?ion/i,
  /\b(almost |running |ran |run |all )?out of (my |her |his |our )?([\w-]+ )?(medication|medicine|meds|pills|tablets|inhaler|antibiotics?)\b/i,
  // "phone in more of my pain pills to the Walgreens": more medication sent to a pharmacy.
  /\b(phone|call|send|fax) (in |over )?(some |a few |more |another |a new )?(more )?(of )?(my |her |his |our |the )?([\w-]+ )?(medication|medicine|meds|pills|tablets|inhaler|antibiotics?|script|rinse|mouthwash|cream|ointment|drops|gel|painkillers?)\b|\bmore (of )?(my |her |his |our |the )([\w-]+ )?(medication|medicine|meds|pills|tablets|inhaler|antibiotics?|script|rinse|mouthwash|cream|ointment|drops|gel|painkillers?)\b/i,
  /\b(medication|medicine|meds|pills|tablets|inhaler|antibiotics?|prescription)s? (renewed|refilled|re-?filled)\b|\brenew (my|her|his|our|the) [\w' -]{0,30}(medication|medicine|meds|pills|tablets|inhaler|antibiotics?)\b/i,
];

export const RELAY_MESSAGE: RegExp[] = [
  // Not "if I leave a message…": that is a question about messages.
  /(?<!\bif (i|we) )\b(leave|take|pass on|pass along|give|send|get|relay|record)\s+(?:[a-z.'’]+\s+){0,3}message\b/i,
  /\bmessage (for|to)\b/i,
  /\bvoice ?mail\b/i,
  /\blet (him|her|them|the [a-z]+|dr\.? [a-z]+|[a-z]+) know\b/i,
  /\btell (him|her|them|the [a-z]+|dr\.? [a-z]+|[a-z]+) (that|i called|i'?m|i was|to call)\b/i,
];

/** "When will someone get back to me…", "how soon do you call back": a question about call-backs, not a request for one. */
const NOT_ASKING_WHEN = "^(?!\\W*(?:(?:uh+|um+|so|and|ok(?:ay)?)[,\\s]+)*(?:when|how (?:long|soon|quickly|fast))\\b)[\\s\\S]*?";

export const CALLBACK: RegExp[] = [
  new RegExp(`${NOT_ASKING_WHEN}(?:\\b(call|ring|phone) me back\\b|\\bget back to me\\b|\\breturn my call\\b|\\b(a|request a|get a) call ?back\\b)`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\bhave (him|her|them|someone|somebody|the [a-z]+|dr\\.? [a-z]+|[a-z]+) (call|ring|phone|give me a call|get back|contact)\\b`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\b(someone|somebody|anyone) (to )?(call|ring|phone|give me a call|get back to|contact) me\\b`, "i"),
  new RegExp(`${NOT_ASKING_WHEN}\\b(give|gimme) (me|us) a (ring|call|buzz|shout)\\b`, "i"),
];

const DEPARTMENT_ONLY =
  /^\W*(?:(?:uh+|um+|yeah|yes|hi|hello|hey|ok(?:ay)?|so)[,.\s]+)*(?:(?:can i (?:get|have)|could i (?:get|have)|i need|i want|i'?d like|give me|get me|just)\s+)?(?:the\s+)?(?:sales|support|tech(?:nical)? support|billing|accounts|customer (?:service|support)|reception|front desk|office|on[- ]call)(?:\s+(?:department|team|desk|office|line|people|folks|please|thanks|thank you))*\W*$/i;

export const TRANSFER: RegExp[] = [
  /\b(speak|talk|chat)\s+(to|with)\s+(?!you\b)/i,
  // "is there a sales rep I can talk to": the person comes first.
  /\b(someone|somebody|anyone|person|rep|representative|agent)\b[^.?!]{0,25}\b(i|we) (can|could) (talk|speak|chat) (to|with)\b|\b(sales|support|billing|service) reps?\b/i,
  /\bwho (do|should|can|would) (i|we) (talk|speak) (to|with)\b|\bwho (handles|deals with|do i ask about)\b/i,
  /\b(transfer|put|connect) me\b|\bput me through\b|\bthrough to\b/i,
  /\b(real|live|actual) (person|human|agent|people)\b|\bhuman\b|\boperator\b|\brepresentative\b|\bagent\b/i,
  /\bis (the |dr\.? |doctor )?[a-z.]+( [a-z]+)? (there|in|available|around|in today|in the office)\b/i,
  /\bon[- ]call\b/i,
  /\b(tech(nical)? support|customer (service|support)|help ?desk)\b/i,
  // Waiting for a person, or asking one to explain: "I'll hold for a receptionist", "can someone walk me through…".
  /\b(hold|wait) for (a|the|an) (receptionist|person|human|someone|somebody|staff member|nurse|doctor|dentist|manager)\b|\b(someone|somebody) (who can |to )?(walk|talk|take) me through\b|\bcan (someone|somebody) (walk|talk) me\b/i,
  DEPARTMENT_ONLY,
];

export const RESCHEDULE: RegExp[] = [
  /\bre-?schedul|\bresched\b|\bre-?book/i,
  /\b(move|change|switch|push|shift|bump|postpone|swap)\b[^.?!]{0,40}\b(appointment|appt|booking|reservation|visit|cleaning|check-?up|session)\b/i,
  /\bbring\b[^.?!]{0,30}\b(appointment|appt|booking|visit|cleaning|check-?up|it)\s+forward\b/i,
  /\b(appointment|appt|booking|visit|cleaning|check-?up|reminder|booked)\b[^?!]*\b(move|change|switch|push|shift) (it|that)\b/i,
  /\b(different|another|later|earlier|new) (day|time|date)\b[^.?!]{0,40}\b(appointment|visit|cleaning|check-?up)\b|\b(appointment|visit|cleaning|check-?up)\b[^.?!]{0,40}\b(different|another|later|earlier|new) (day|time|date)\b/i,
  /\bpostpone\b/i,
  // "I have a 2 o'clock on Friday and need to change it to the morning": a time of theirs moved somewhere.
  /\b(move|change|switch|push|shift|bump) (it|that|this|mine)( back| forward| up)? (to|till|until|for|back|forward|up|later|earlier)\b/i,
  /\b(i'?m|i am|we'?re|we are) (booked|scheduled)\b[^.?!]*\b(rather|instead|prefer|change|move|switch)\b/i,
];

export const CANCEL: RegExp[] = [
  /\bcancel(?!lation)|\bcancel(l?ing|l?ed)\b/i,
  /\bcall off\b/i,
  /\b(can'?t|cannot|won'?t|will not|not going to|not gonna|unable to|(?:won'?t|not|not gonna|not going to) be able to) (make it|make my|make the|come in|be there|attend|come)\b/i,
  /\btake (me|us|it) off the (schedule|books|calendar|list)\b/i,
  /\b(won'?t|will not|not|can'?t) be (coming|coming in|able to come)\b/i,
  /\b(don'?t|do not|no longer|won'?t|will not|won'?t be|will not be|aren'?t|are not|am not|'m not|not) (need|needing)\b[^.?!]{0,30}\b(appointment|visit|booking|cleaning|check-?up)\b/i,
];

export const AVAILABILITY: RegExp[] = [
  /\bavailab/i,
  /\b(any|an|some|the next) openings?\b|\bopenings\b|\bopen (slots?|times?|appointments?)\b|\b(any|anything|something|slots?|times|room|space)\b[^.?!]{0,20}\b(open|free|left)\b/i,
  /\b(what|which) (times|days|slots|dates)\b|\bwhat (have you got|do you have)\b/i,
  /\b(do|would) you have (anything|any (time|times|slots?|room|space|openings?)|a slot|an opening|something|room|space|(the )?time( to)?)\b|\byou have (anything|something)\b/i,
  /\bare you (guys )?(free|booked up|busy)\b/i,
  /\bearliest\b|\bnext available\b|\bsoonest\b/i,
  /\bwhen can (i|we) (come|get in|be seen)\b/i,
  /\bhow soon (can|could|would|will) (you|i|we|the \w+)\b/i,
];

export const BOOK: RegExp[] = [
  /\b(book|schedule|make|set up|arrange|get|gets|need|needs|want|wants|like)\b[^.?!]*\b(appointments?|appts?|bookings?|reservations?|visits?|consultations?|cleanings?|check-?ups?|exams?|meetings?)\b/i,
  /\bset (something|it|one|that|this|her|him|them|me|us) up\b|\bget (me|him|her|them|us|my [a-z]+) in\b/i,
  /\b(book|schedule)\b/i,
  /\bappointment\b/i,
  /\b(come in|get in|be seen)\b|\b(fit|squeeze) (me|him|her|us|them|someone|[\w ]{1,30}?) in\b/i,
  /\b(see|visit) (the|a|your) (dentist|doctor|hygienist|nurse|dr)\b/i,
  /\b(grab|get|take|have|book|snag) (a|an|the|that|one) (spot|slot|time|opening)\b/i,
  /\b(get|have) (my|his|her|our|their) teeth (cleaned|checked|whitened|looked at)\b/i,
  /\b(get|have) (it|this|that|them|my [a-z]+|his [a-z]+|her [a-z]+) (looked at|checked( out)?|seen( to)?|fixed|taken care of)\b/i,
  /\bnew patient\b[^.?!]*\b(visit|appointment|exam|come in|book|schedule|set up)\b/i,
  // A dental problem that needs a visit (not an emergency): "my crown came off", "I lost a filling", "a toothache".
  /\b(crown|filling|cap|bridge|veneer|retainer|denture|bracket|wire)s?\b[^.?!]{0,20}\b(came off|came out|fell out|fell off|broke|is loose|came loose|cracked)\b|\b(lost|chipped|cracked) (a|my|his|her|their|the) (tooth|filling|crown|cap)\b|\btooth ?ache\b|\b(tooth|teeth|gums?) (hurts?|is hurting|are hurting|aches?|is sensitive|are sensitive|bleed when)\b/i,
];

/** A question about a visit — its price, what to bring — rather than a request for one (unless it books too). */
export const ASKS_ABOUT_VISIT =
  /^(?![\s\S]*\b(book|schedule|reschedule)\b)\W*(?:(?:uh+|um+|so|and|hi|hey|ok(?:ay)?)[,\s]+)*(?:how much\b|what(?:'s| is| are| does| do| would| will)\b[^.?!]{0,40}\b(?:cost|price|charge|fee)s?\b|(?:do|does|should|will|would) (?:i|we|he|she|they) (?:need|have) to (?:bring|fill|arrive|wear|pay|eat|fast|prepare|do|know)\b)/i;

export const END: RegExp[] = [
  /\b(good ?bye|good ?night|take care|bye|bye-bye|that'?s all|that is all|that'?s it|that'?s everything|nothing else|no,? thanks?|no thank you|hang up|have a (good|great|nice|lovely) (day|night|evening|one|weekend))\b/i,
  /\bthat answers (it|that|everything|my question)\b|\bthat'?s (all|what) i (needed|wanted)\b|\bi'?ll (call|try) (back|again)\b|\bi'?ll call\b[^.?!]{0,20}\b(later|tomorrow|morning|another time|then|next week)\b|\bthat'?ll be (all|it)\b/i,
  /^\W*(no|nope|nah)[.!,]?\s*((i'?m|we'?re|all|all's|it'?s all) (good|fine|set|all set|sorted))?\W*$/i,
];

/** Only a greeting, a check that someone is there, or that this is the business called. */
export const CHECKING_THE_LINE =
  /^\W*(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))(?: there)?[\s,.!?]*)*(?:(?:are you there|is (?:any|some)(?:one|body) there|can you hear me|is this (?:the )?[\w' &.-]{2,40}?|have i reached (?:the )?[\w' &.-]{2,40}?|am i speaking (?:to|with) (?:the )?[\w' &.-]{2,40}?)\W*)?$/i;

export const FAQ: RegExp[] = [
  /\?\s*$/,
  // Not "how about 11:30?" / "what about Monday": a suggestion (a "?" at the end still makes it a question).
  /^(?:(?:uh+|um+|so|and|hi|hello|hey|yeah|ok(?:ay)?)[,.\s]+)*(what|when|where|how|do|does|are|is|can|could|which|who|will)\b(?! about\b)/i,
  /\b(hours|opening|closing|address|located|location|directions|parking|insurance|prices?|costs?|how much|fees?|warranty|financing)\b/i,
  // Indirect questions: "I want to know if you install in Santa Clara", "I was wondering whether…".
  /\b(want|wanted|would like|'d like|need|needed) to (know|ask|find out)\b|\bwondering\b|\bcurious\b/i,
];

/** Problems and requests a department handles, by the department names they point to. */
export const TOPICS: Array<[RegExp, RegExp]> = [
  [
    /\b(question|questions|problem|issue|query|help)\b[^.?!]{0,25}\b(bill|bills|billing|invoice|payment|charge|statement|account)\b|\b(was|been|got|were) (over|double[- ])?(charged|billed)\b|\bbilled (twice|two times|double)\b|\bpay (my|a|the) (bill|invoice|balance)\b|\b(insurance )?claims?\b|\b(credit|debit) card\b|\bcard on file\b|\bpayment (method|plan)\b|\bautopay\b|\brefund\b/i,
    /billing|accounts?|payment/i,
  ],
  [/\b(stopped|isn'?t|is not|not|aren'?t|are not|won'?t|doesn'?t|does not) (working|work|turning on|turn on|charging|connecting|showing|loading|updating|producing|holding|keeping|generating|syncing|reporting)\b|\b(broken|broke down|error code|showing an error|outage|malfunction\w*|offline|says error)\b|\b(light|led|indicator|display)\b[^.?!]{0,20}\b(blinking|flashing|red|off)\b|\b(blinking|flashing) (red|orange|amber)\b|\bwarning light\b|\b(leak(s|ing|ed)?|water damage|damaged|came loose|came off|fell off|sparks?|smok(e|ing)|burning smell)\b/i, /support|tech|service|help/i],
  [/\b(get|want|need|like) (a )?(quote|estimate|pricing)\b|\b(buy|purchase|sign up for)\b|\b(get|have|want) [\w ]{0,20}installed\b|\b(thinking (about|of)|interested in|considering|looking into) (getting|buying|going|installing|adding|switching|a new|new)\b|\b(add|adding|expand|expanding|upgrade|upgrading)\b[^.?!]{0,20}\b(battery|batteries|panels?|system|charger)\b/i, /sales/i],
];
