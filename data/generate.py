"""Generate the bundled regions of pds-plan: sites, radiologists, availability and volumes.

Usage (from the repository root)::

    python data/generate.py [--seed 2027] [--scale 1.0] [--out data]

With the defaults it rewrites ``data/<region>/{sites,radiologists,availability,volumes}.csv`` byte for
byte as committed: seeded ``random.Random`` instances, fixed ordering, ``\\n`` line endings, UTF-8
without BOM. Standard library only, no import of ``pds_plan``, so it runs anywhere.

What is real and what is synthetic
----------------------------------
REAL (transcribed from ``sites_reference.csv`` of the project's shared reference data, see data/README.md):
    the hospital sites of the three 2013 pilot regions (Lorraine, Picardie, Pays de la Loire): name, kind
    (CHU / CHR / CH), département and WGS84 coordinates. Six coordinates are hospital sites (Wikipedia
    infobox); the others are ESTIMATES: centroids of the commune polygon (IGN Admin Express COG 2018), i.e.
    the town, not the building. The few public per-hospital figures (``site_figures.csv``) are used where
    they exist: ED visits per year of CH Péronne (15,000), CHU Angers (102,000) and CH Le Mans (100,000);
    MRI units at CH Saint-Quentin, CH Creil, CH Beauvais and CHD Vendée. The pilot links come from the
    2012-2013 pilots: Péronne's CT is read by CH Saint-Quentin on nights, weekends and holidays; Montdidier
    and Albert are read by CHU Amiens; in Lorraine one radiologist covers about 3 peripheral
    establishments, and CH Freyming-Merlebach was read by CHU Nancy; Pays de la Loire piloted Sarthe and
    Vendée with the two CHU (Nantes, Angers) as referral centres only. CH Freyming-Merlebach moved its acute
    activity to Forbach and Saint-Avold in 2012: in this 2027 data it is listed with ``emergency=false,
    pds=false``. La Flèche's acute hospital is the Pôle Santé Sarthe et Loir (Le Bailleul): only the latter
    is a site.

APPROXIMATE (plausible, not checked): the GHT names and groupings, the modalities of each CH (MRI is
    listed for the CHU/CHR and for the CH where a public figure or the hospital's size says so), the
    ED-visit figures marked "assumed" in the site table, and which sites still run an emergency department
    in 2027. FINESS numbers were not found in the sources: the column is left empty.

SYNTHETIC (invented, seeded): every radiologist (names are "Dr" + an initial + a common French surname;
    no real person), their FTE, home site, credentials (conventions) and remote flag; every availability
    row; every volume. They are shaped to be plausible from public figures (docs/rules.md "Sources"):
    - head counts: the SFR-Urgence 2010 survey found on average 25 radiologists per CHU and 5.7 per
      general CH; the pool that takes part in PDS is smaller: 12-16 per CHU site, 8-10 per CHR site, 3-6
      per CH (10 at CH Le Mans, as large as a CHU), and none at the small sites that the pilots had read
      from elsewhere (Montdidier, Albert, the Luçon site of CHD Vendée; Péronne keeps one local radiologist);
    - credentials: home site plus conventions with the one or two nearest PDS sites of the same GHT or
      within ~60 km (80 km when fewer than two are that close), so that a site can be pooled with up to two
      neighbours (the Lorraine study's "one radiologist covers 3 establishments" and the default rule
      max_sites_per_radiologist = 3); plus the pilot links above; a site left with fewer than 5
      credentialed radiologists gets conventions with radiologists of its nearest sites;
    - volumes: ANAP found CT to be THE out-of-hours modality; the busiest scanners see 10 or more patients
      per weeknight while most see 5 or fewer a week, and night activity peaks 20:00-midnight. SFR/SFMU:
      40 % of ED visits lead to imaging (71 % plain X-ray, 23 % CT, 10 % US, 4 % MRI). Mean exams per night
      therefore grow linearly with the site's ED visits per year (SFR-Urgence means: 89,000 per CHU, 32,000
      per general CH): CT from 2 (15,000 visits) to 13 (100,000 visits), X-ray from 1 to 9.5, US 0.3-1.5,
      MRI at night only at CHU sites (below 1); each value gets +/-8 % seeded noise and is kept in the range
      of its kind (CH: CT 2-6, XR 1-4; CHR: CT 5-10, XR 3-8; CHU and CH with over 60,000 visits: CT 8-14,
      XR 6-10). A Saturday afternoon (6 h) is 40 % of a night, a Sunday/holiday day (10 h) 70 % of a night
      (the night holds the 20:00-midnight peak);
    - availability (2027-01-01..2027-03-31): leave weeks, many in the February 2027 school holidays (the
      three regions are in zone B; the window used, 13 February to 7 March 2027, is APPROXIMATE: the
      official calendar was not checked), a New-Year tail of the Christmas leave, scattered congress days
      (invented, approximate dates), some request_off days and a few request_on days. No event is kept if
      it would leave a PDS site with fewer than 3 credentialed radiologists free on any date (request_off
      counted as not free), so availability alone never makes a region infeasible.

--scale multiplies the number of radiologists per site (rounded half up, at least 1 where there are any)
and the exam volumes. Scales well below 1 can leave sites with few credentialed radiologists: the script
then warns.
"""

import argparse
import csv
import datetime
import math
import random
from pathlib import Path

HORIZON_START = datetime.date(2027, 1, 1)
HORIZON_END = datetime.date(2027, 3, 31)

MODALITY_ORDER = ("CT", "MRI", "XR", "US")
PERIODS = (("night", 1.0), ("saturday", 0.4), ("sunday_holiday", 0.7))

# fmt: off
SITE_COLUMNS = ("site_id", "name", "kind", "departement", "lat", "lon", "modalities", "emergency", "pds",
                "finess", "ght")
RADIOLOGIST_COLUMNS = ("radiologist_id", "name", "home_site", "fte", "sites", "remote")
AVAILABILITY_COLUMNS = ("radiologist_id", "start", "end", "kind")
VOLUME_COLUMNS = ("site_id", "modality", "period", "mean_exams")

# ------------------------------------------------------------------------------------------------------
# Site table. name, kind, departement, lat, lon: transcribed from sites_reference.csv (real). modalities,
# ght, ED visits marked "assumed": approximations. n_rad: synthetic PDS pool based at the site. read_by:
# sites whose radiologists read this one (pilot links; the neighbour rule is not used for it). referral:
# CHU used as a referral centre only (Pays de la Loire): its radiologists hold no convention elsewhere and
# no neighbour reads it.
# Fields: site_id, name, kind, departement, lat, lon, modalities, emergency, pds, ght,
#         ed_visits_per_year, ed_source, n_rad, read_by, referral
# ------------------------------------------------------------------------------------------------------
LORRAINE = [
    ("lor_nancy_central", "CHRU de Nancy (Hôpital Central)", "CHU", "54", "48.69001", "6.17534",
     "CT;MRI;XR;US", True, True, "GHT Sud Lorraine", 70000, "assumed", 14, (), False),
    ("lor_nancy_brabois", "CHRU de Nancy (Hôpitaux de Brabois)", "CHU", "54", "48.64722", "6.14444",
     "CT;MRI;XR;US", True, True, "GHT Sud Lorraine", 60000, "assumed", 12, (), False),
    ("lor_freyming", "Hôpital de Freyming-Merlebach (ex-Hospitalor)", "CH", "57", "49.15236", "6.79762",
     "XR;US", False, False, "GHT Moselle Est", 0, "no ED since 2012", 0, (), False),
    ("lor_metz_mercy", "CHR Metz-Thionville (Hôpital de Mercy)", "CHR", "57", "49.08333", "6.24278",
     "CT;MRI;XR;US", True, True, "GHT Lorraine Nord", 60000, "assumed", 10, (), False),
    ("lor_thionville", "CHR Metz-Thionville (Hôpital Bel-Air)", "CHR", "57", "49.37588", "6.12891",
     "CT;MRI;XR;US", True, True, "GHT Lorraine Nord", 45000, "assumed", 8, (), False),
    ("lor_epinal", "CH Épinal", "CH", "88", "48.16311", "6.47971",
     "CT;MRI;XR;US", True, True, "GHT Vosges", 40000, "assumed", 6, (), False),
    ("lor_verdun", "CH Verdun", "CH", "55", "49.14553", "5.36281",
     "CT;XR;US", True, True, "GHT Cœur Grand Est", 28000, "assumed", 4, (), False),
    ("lor_st_die", "CH Saint-Dié-des-Vosges", "CH", "88", "48.29681", "6.93789",
     "CT;XR;US", True, True, "GHT Vosges", 28000, "assumed", 4, (), False),
    ("lor_luneville", "CH Lunéville", "CH", "54", "48.59168", "6.49898",
     "CT;XR;US", True, True, "GHT Sud Lorraine", 25000, "assumed", 3, (), False),
    ("lor_bar_le_duc", "CH Bar-le-Duc", "CH", "55", "48.76408", "5.16325",
     "CT;XR;US", True, True, "GHT Cœur Grand Est", 25000, "assumed", 4, (), False),
    ("lor_sarreguemines", "CH Sarreguemines", "CH", "57", "49.10900", "7.07036",
     "CT;XR;US", True, True, "GHT Moselle Est", 30000, "assumed", 4, (), False),
    ("lor_forbach", "CH Forbach (Marie-Madeleine)", "CH", "57", "49.19157", "6.89259",
     "CT;XR;US", True, True, "GHT Moselle Est", 35000, "assumed", 4, (), False),
]

PICARDIE = [
    ("pic_amiens", "CHU Amiens-Picardie", "CHU", "80", "49.87583", "2.25556",
     "CT;MRI;XR;US", True, True, "GHT Somme Littoral Sud", 89000, "assumed (SFR-Urgence CHU mean)", 16, (),
     False),
    ("pic_st_quentin", "CH Saint-Quentin", "CH", "02", "49.84741", "3.27773",
     "CT;MRI;XR;US", True, True, "GHT Aisne Nord Haute Somme", 45000, "assumed", 6, (), False),
    ("pic_peronne", "CH Péronne", "CH", "80", "49.92816", "2.92909",
     "CT;XR;US", True, True, "GHT Aisne Nord Haute Somme", 15000, "site_figures (2016)", 1,
     ("pic_st_quentin",), False),
    ("pic_montdidier", "CH Montdidier", "CH", "80", "49.64804", "2.56833",
     "XR;US", True, True, "GHT Somme Littoral Sud", 15000, "assumed", 0, ("pic_amiens",), False),
    ("pic_albert", "CH Albert", "CH", "80", "50.00375", "2.64866",
     "XR;US", True, True, "GHT Somme Littoral Sud", 14000, "assumed", 0, ("pic_amiens",), False),
    ("pic_abbeville", "CH Abbeville", "CH", "80", "50.10840", "1.83217",
     "CT;XR;US", True, True, "GHT Somme Littoral Sud", 35000, "assumed", 5, (), False),
    ("pic_compiegne", "CH Compiègne", "CH", "60", "49.39915", "2.85288",
     "CT;XR;US", True, True, "GHT Oise Nord-Est", 45000, "assumed", 5, (), False),
    ("pic_beauvais", "CH Beauvais", "CH", "60", "49.43619", "2.08634",
     "CT;MRI;XR;US", True, True, "GHT Oise Ouest et Vexin", 50000, "assumed", 6, (), False),
    ("pic_soissons", "CH Soissons", "CH", "02", "49.37949", "3.32462",
     "CT;XR;US", True, True, "GHT Aisne Sud", 35000, "assumed", 5, (), False),
    ("pic_laon", "CH Laon", "CH", "02", "49.56789", "3.62117",
     "CT;XR;US", True, True, "GHT Aisne Nord Haute Somme", 30000, "assumed", 4, (), False),
    ("pic_chateau_thierry", "CH Château-Thierry", "CH", "02", "49.05643", "3.38154",
     "CT;XR;US", True, True, "GHT Aisne Sud", 25000, "assumed", 3, (), False),
    ("pic_creil", "CH Creil (GHPSO)", "CH", "60", "49.25328", "2.48420",
     "CT;MRI;XR;US", True, True, "GHT Oise Sud", 55000, "assumed", 6, (), False),
]

PAYS_DE_LA_LOIRE = [
    ("pdl_nantes", "CHU Nantes", "CHU", "44", "47.20917", "-1.55472",
     "CT;MRI;XR;US", True, True, "GHT 44 (Loire-Atlantique)", 89000, "assumed (SFR-Urgence CHU mean)", 16, (),
     True),
    ("pdl_angers", "CHU Angers", "CHU", "49", "47.48194", "-0.55750",
     "CT;MRI;XR;US", True, True, "GHT 49 (Maine-et-Loire)", 102000, "site_figures", 14, (), True),
    ("pdl_le_mans", "CH Le Mans", "CH", "72", "48.01358", "0.17817",
     "CT;MRI;XR;US", True, True, "GHT 72 (Sarthe)", 100000, "site_figures", 10, (), False),
    ("pdl_la_roche_sur_yon", "CHD Vendée (La Roche-sur-Yon)", "CH", "85", "46.66761", "-1.40786",
     "CT;MRI;XR;US", True, True, "GHT 85 (Vendée)", 55000, "assumed", 8, (), False),
    ("pdl_laval", "CH Laval", "CH", "53", "48.06104", "-0.76581",
     "CT;XR;US", True, True, "GHT 53 (Mayenne et Haut-Anjou)", 40000, "assumed", 5, (), False),
    ("pdl_cholet", "CH Cholet", "CH", "49", "47.04554", "-0.87755",
     "CT;XR;US", True, True, "GHT 49 (Maine-et-Loire)", 40000, "assumed", 5, (), False),
    ("pdl_st_nazaire", "CH Saint-Nazaire", "CH", "44", "47.28029", "-2.25101",
     "CT;XR;US", True, True, "GHT 44 (Loire-Atlantique)", 50000, "assumed", 6, (), False),
    ("pdl_chateau_gontier", "CH Château-Gontier", "CH", "53", "47.82920", "-0.73872",
     "CT;XR;US", True, True, "GHT 53 (Mayenne et Haut-Anjou)", 18000, "assumed", 3, (), False),
    ("pdl_sarthe_loir", "Pôle Santé Sarthe et Loir", "CH", "72", "47.77252", "-0.17983",
     "CT;XR;US", True, True, "GHT 72 (Sarthe)", 30000, "assumed", 3, (), False),
    ("pdl_lucon", "CHD Vendée (Luçon site)", "CH", "85", "46.45109", "-1.16424",
     "XR;US", True, True, "GHT 85 (Vendée)", 12000, "assumed", 0, ("pdl_la_roche_sur_yon",), False),
    ("pdl_les_sables", "CH Les Sables-d'Olonne (Côte de Lumière)", "CH", "85", "46.50102", "-1.79301",
     "CT;XR;US", True, True, "GHT 85 (Vendée)", 30000, "assumed", 4, (), False),
    ("pdl_fontenay", "CH Fontenay-le-Comte", "CH", "85", "46.45628", "-0.79311",
     "CT;XR;US", True, True, "GHT 85 (Vendée)", 18000, "assumed", 3, (), False),
    ("pdl_challans", "CH Challans (Loire Vendée Océan)", "CH", "85", "46.83548", "-1.83985",
     "CT;XR;US", True, True, "GHT 85 (Vendée)", 28000, "assumed", 4, (), False),
]

# (folder, id prefix, site table)
REGIONS = (
    ("lorraine", "LOR", LORRAINE),
    ("picardie", "PIC", PICARDIE),
    ("pays_de_la_loire", "PDL", PAYS_DE_LA_LOIRE),
)

# Pilot conventions on top of the neighbour rule: the first N radiologists of the reading site also hold
# credentials for these sites (Lorraine: the Freyming-Merlebach / CHU Nancy link of the T-Lor pilot;
# Freyming no longer has a PDS need, its acute activity went to Forbach, so the credential follows).
PILOT_CONVENTIONS = {
    "lor_nancy_central": (("lor_forbach", "lor_freyming"), 4),
}

NEIGHBOUR_KM = 60.0
NEIGHBOUR_KM_EXTENDED = 80.0

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent",
    "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel", "Fournier", "Girard",
    "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier",
    "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin",
    "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud",
    "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Gérard", "Roche", "Renard",
    "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard", "Roger", "Fabre", "Aubert",
    "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey",
    "Leclerc", "Rolland", "Leclercq", "Guillaume", "Lecomte", "Dupuy", "Guillot", "Hubert", "Berger",
    "Carpentier", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur", "Boucher", "Fleury", "Royer",
    "Klein", "Jacquet", "Adam", "Poirier", "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault",
    "Charpentier", "Ménard", "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Le Gall",
    "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Cousin", "Germain", "Breton",
    "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier", "Lévêque", "Perrier", "Leblanc", "Lebrun",
    "Marchal", "Weber", "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Guichard", "Gillet",
    "Étienne", "Poulain", "Tessier", "Collin", "Chauvin", "Bouchet", "Lemaître", "Maréchal", "Humbert",
    "Reynaud", "Antoine", "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy",
    "Delaunay", "Pasquier", "Carlier", "Laporte",
)
INITIALS = "ABCDEFGHIJLMNOPRSTV"
# fmt: on

# February 2027 school holidays, zone B (académies Nancy-Metz, Amiens, Nantes): APPROXIMATE window
# 13 February - 7 March 2027; leave weeks run Monday to Sunday.
FEBRUARY_LEAVE_WEEKS = (datetime.date(2027, 2, 15), datetime.date(2027, 2, 22), datetime.date(2027, 3, 1))
# Invented, approximate congress / training slots (weekdays) in the quarter.
CONGRESS_SLOTS = (
    (datetime.date(2027, 1, 21), datetime.date(2027, 1, 22)),
    (datetime.date(2027, 2, 4), datetime.date(2027, 2, 5)),
    (datetime.date(2027, 3, 3), datetime.date(2027, 3, 6)),  # a large European congress, early March
    (datetime.date(2027, 3, 18), datetime.date(2027, 3, 19)),
)
MIN_FREE_PER_SITE = 3


def make_site(row):
    (
        sid,
        name,
        kind,
        dep,
        lat,
        lon,
        modalities,
        emergency,
        pds,
        ght,
        ed,
        ed_source,
        n_rad,
        read_by,
        referral,
    ) = row
    return {
        "site_id": sid,
        "name": name,
        "kind": kind,
        "departement": dep,
        "lat": lat,
        "lon": lon,
        "modalities": modalities.split(";"),
        "emergency": emergency,
        "pds": pds,
        "ght": ght,
        "ed": ed,
        "ed_source": ed_source,
        "n_rad": n_rad,
        "read_by": tuple(read_by),
        "referral": referral,
    }


def km(a, b):
    """Great-circle distance in km between two sites (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def neighbours(site, sites):
    """The (at most two) nearest PDS sites this site's radiologists hold a convention with."""
    candidates = [t for t in sites if t is not site and t["pds"] and not t["read_by"] and not t["referral"]]
    candidates.sort(key=lambda t: (km(site, t), t["site_id"]))
    near = [t for t in candidates if t["ght"] == site["ght"] or km(site, t) <= NEIGHBOUR_KM]
    if len(near) < 2:
        near += [t for t in candidates if t not in near and km(site, t) <= NEIGHBOUR_KM_EXTENDED]
        near.sort(key=lambda t: (km(site, t), t["site_id"]))
    return [t["site_id"] for t in near[:2]]


def scaled_count(n, scale):
    if n <= 0:
        return 0
    return max(1, math.floor(n * scale + 0.5))


def unique_name(rng, used):
    while True:
        name = f"Dr {rng.choice(INITIALS)}. {rng.choice(SURNAMES)}"
        if name not in used:
            used.add(name)
            return name


def build_radiologists(prefix, sites, rng, scale):
    by_id = {s["site_id"]: s for s in sites}
    radiologists = []
    used_names = set()
    number = 0
    for home in sites:
        n = scaled_count(home["n_rad"], scale)
        read_here = [t["site_id"] for t in sites if home["site_id"] in t["read_by"]]
        nb = neighbours(home, sites) if home["pds"] else []
        pilot_targets, pilot_count = PILOT_CONVENTIONS.get(home["site_id"], ((), 0))
        for i in range(n):
            remote = True
            if home["referral"]:
                creds = [home["site_id"]]
                remote = rng.random() >= 0.25
            elif home["read_by"]:
                # local radiologist of a site read from elsewhere: reads home and the reading site
                creds = [home["site_id"], *home["read_by"]]
            elif home["kind"] == "CHU" and i % 5 == 4:
                # on-site garde at the CHU, no remote reading, no convention
                creds = [home["site_id"]]
                remote = False
            elif read_here and i % 4 != 3:
                creds = [home["site_id"], *read_here, *nb[: max(0, 2 - len(read_here))]]
            else:
                creds = [home["site_id"], *nb[: (1 if (i % 4 == 3 and not read_here) else 2)]]
            if i < pilot_count:
                creds += list(pilot_targets)
            seen = []
            for c in creds:
                if c not in seen and c in by_id:
                    seen.append(c)
            number += 1
            fte = rng.choices((1.0, 0.8, 0.6, 0.5), weights=(70, 14, 9, 7))[0]
            radiologists.append(
                {
                    "radiologist_id": f"{prefix}-R{number:03d}",
                    "name": unique_name(rng, used_names),
                    "home_site": home["site_id"],
                    "fte": fte,
                    "sites": seen,
                    "remote": remote,
                }
            )
    top_up(sites, radiologists)
    return radiologists


def top_up(sites, radiologists, minimum=5):
    """Give a PDS site with fewer than `minimum` credentialed radiologists conventions with the
    radiologists of its nearest sites (those with the fewest credentials first)."""
    for site in sites:
        if not site["pds"]:
            continue
        readers = [
            t
            for t in sites
            if t is not site and not t["referral"] and any(r["home_site"] == t["site_id"] for r in radiologists)
        ]
        readers.sort(key=lambda t: (t["site_id"] not in site["read_by"], km(site, t), t["site_id"]))
        for reader in readers:
            count = sum(site["site_id"] in r["sites"] for r in radiologists)
            if count >= minimum:
                break
            pool = [
                r
                for r in radiologists
                if r["home_site"] == reader["site_id"] and site["site_id"] not in r["sites"] and r["remote"]
            ]
            pool.sort(key=lambda r: (len(r["sites"]), r["radiologist_id"]))
            for r in pool[: minimum - count]:
                r["sites"].append(site["site_id"])


def daterange(start, end):
    d = start
    while d <= end:
        yield d
        d += datetime.timedelta(days=1)


def build_availability(sites, radiologists, rng):
    """Leave, congress, request_off and request_on rows; never leaves a PDS site under MIN_FREE_PER_SITE."""
    pds_sites = [s["site_id"] for s in sites if s["pds"]]
    credentialed = {sid: [r["radiologist_id"] for r in radiologists if sid in r["sites"]] for sid in pds_sites}
    sites_of = {r["radiologist_id"]: r["sites"] for r in radiologists}
    busy = {r["radiologist_id"]: set() for r in radiologists}  # dates with unavailable / request_off
    booked = {r["radiologist_id"]: set() for r in radiologists}  # any event (no overlaps per radiologist)
    free = {(sid, d): len(credentialed[sid]) for sid in pds_sites for d in daterange(HORIZON_START, HORIZON_END)}
    rows = []

    def try_add(rid, start, end, kind):
        days = [d for d in daterange(start, end) if HORIZON_START <= d <= HORIZON_END]
        if any(d in booked[rid] for d in days):
            return False
        if kind != "request_on":
            for sid in sites_of[rid]:
                if sid in credentialed and any(free[(sid, d)] - 1 < MIN_FREE_PER_SITE for d in days):
                    return False
            for sid in sites_of[rid]:
                if sid in credentialed:
                    for d in days:
                        free[(sid, d)] -= 1
            busy[rid].update(days)
        booked[rid].update(days)
        rows.append((rid, start.isoformat(), end.isoformat(), kind))
        return True

    week = datetime.timedelta(days=6)
    mondays = [d for d in daterange(datetime.date(2027, 1, 4), datetime.date(2027, 3, 22)) if d.weekday() == 0]
    all_days = list(daterange(HORIZON_START, HORIZON_END))
    for r in radiologists:
        rid = r["radiologist_id"]
        # New-Year tail of the Christmas leave
        if rng.random() < 0.10:
            try_add(rid, datetime.date(2027, 1, 1), datetime.date(2027, 1, 3), "unavailable")
        # a week in the February school holidays (zone B, approximate)
        if rng.random() < 0.35:
            options = list(FEBRUARY_LEAVE_WEEKS)
            rng.shuffle(options)
            for monday in options:
                if try_add(rid, monday, monday + week, "unavailable"):
                    break
        # another leave week elsewhere in the quarter
        if rng.random() < 0.20:
            options = [m for m in mondays if m not in FEBRUARY_LEAVE_WEEKS]
            rng.shuffle(options)
            for monday in options[:4]:
                if try_add(rid, monday, monday + week, "unavailable"):
                    break
        # congress / training days
        if rng.random() < 0.15:
            start, end = rng.choice(CONGRESS_SLOTS)
            try_add(rid, start, end, "unavailable")
        # soft requests: days off (weekend days a bit more often) ...
        if rng.random() < 0.50:
            for _ in range(rng.randint(1, 3)):
                d = rng.choice(all_days)
                if d.weekday() < 4 and rng.random() < 0.5:
                    d += datetime.timedelta(days=4 - d.weekday())  # move to the Friday of that week
                if d <= HORIZON_END:
                    try_add(rid, d, d, "request_off")
        # ... and a few days on
        if rng.random() < 0.08:
            d = rng.choice(all_days)
            try_add(rid, d, d, "request_on")
    rows.sort()
    return rows


def clamp(value, low, high):
    return max(low, min(high, value))


def build_volumes(sites, rng, scale):
    rows = []
    for s in sites:
        if not s["pds"]:
            continue
        ed = s["ed"]
        big = s["kind"] == "CHU" or (s["kind"] == "CH" and ed > 60000)
        if big:
            ranges = {"CT": (8.0, 14.0), "XR": (6.0, 10.0)}
        elif s["kind"] == "CHR":
            ranges = {"CT": (5.0, 10.0), "XR": (3.0, 8.0)}
        else:
            ranges = {"CT": (2.0, 6.0), "XR": (1.0, 4.0)}
        ranges["US"] = (0.2, 1.5)
        ranges["MRI"] = (0.3, 1.0)
        night = {
            "CT": 2.0 + (ed - 15000) * 11.0 / 85000.0,
            "XR": 1.0 + (ed - 15000) * 8.5 / 85000.0,
            "US": 0.3 + ed * 1.2 / 100000.0,
            "MRI": 0.6 + (ed - 60000) / 100000.0,
        }
        for modality in MODALITY_ORDER:
            if modality not in s["modalities"]:
                continue
            if modality == "MRI" and s["kind"] != "CHU":
                continue  # MRI at night only at CHU sites
            value = clamp(night[modality] * rng.uniform(0.92, 1.08), *ranges[modality])
            for period, factor in PERIODS:
                mean = max(0.1, round(value * factor * scale, 1))
                rows.append((s["site_id"], modality, period, f"{mean:.1f}"))
    return rows


def write_csv(path, header, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def fmt_bool(b):
    return "true" if b else "false"


def fmt_fte(x):
    return f"{x:.1f}"


def generate_region(folder, prefix, table, seed, scale, out):
    region_index = [r[0] for r in REGIONS].index(folder)
    base = seed * 1000 + region_index * 10
    sites = [make_site(row) for row in table]
    radiologists = build_radiologists(prefix, sites, random.Random(base + 1), scale)
    availability = build_availability(sites, radiologists, random.Random(base + 2))
    volumes = build_volumes(sites, random.Random(base + 3), scale)

    write_csv(
        out / folder / "sites.csv",
        SITE_COLUMNS,
        [
            (
                s["site_id"],
                s["name"],
                s["kind"],
                s["departement"],
                s["lat"],
                s["lon"],
                ";".join(s["modalities"]),
                fmt_bool(s["emergency"]),
                fmt_bool(s["pds"]),
                "",
                s["ght"],
            )
            for s in sites
        ],
    )
    write_csv(
        out / folder / "radiologists.csv",
        RADIOLOGIST_COLUMNS,
        [
            (
                r["radiologist_id"],
                r["name"],
                r["home_site"],
                fmt_fte(r["fte"]),
                ";".join(r["sites"]),
                fmt_bool(r["remote"]),
            )
            for r in radiologists
        ],
    )
    write_csv(out / folder / "availability.csv", AVAILABILITY_COLUMNS, availability)
    write_csv(out / folder / "volumes.csv", VOLUME_COLUMNS, volumes)

    pds = [s["site_id"] for s in sites if s["pds"]]
    counts = {sid: sum(sid in r["sites"] for r in radiologists) for sid in pds}
    weakest = min(counts, key=lambda sid: (counts[sid], sid))
    print(
        f"{folder}: {len(sites)} sites ({len(pds)} PDS), {len(radiologists)} radiologists, "
        f"{len(availability)} availability rows, {len(volumes)} volume rows; "
        f"fewest credentialed: {counts[weakest]} ({weakest})"
    )
    for sid in pds:
        if counts[sid] < 4:
            print(f"  warning: {sid} has only {counts[sid]} credentialed radiologists (scale {scale})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2027, help="random seed (default 2027)")
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies radiologist head counts and exam volumes (default 1.0)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="output folder, one sub-folder per region (default: this script's folder)",
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    for folder, prefix, table in REGIONS:
        generate_region(folder, prefix, table, args.seed, args.scale, args.out)


if __name__ == "__main__":
    main()
