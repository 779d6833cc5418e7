"""Function words by language: they carry no topic, so ranking and clustering skip them.

The lists are short on purpose: articles, pronouns, auxiliaries, prepositions, conjunctions
and reporting verbs ("said"), the words every article shares whatever it is about.
"""

from __future__ import annotations

_WORDS = {
    "en": """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours said
    says told according since however among very still well""",
    "de": """aber alle allem allen aller alles als also am an ander andere anderen anderem
    anderer anderes auch auf aus bei beim bin bis bist da dabei dadurch dafür dagegen daher
    damit dann darauf darum das dass dein deine dem den denn der deren des dessen deshalb die
    dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer eines
    einige einigen er es etwa euch euer für gegen gewesen hab habe haben hat hatte hatten hier
    hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist ja jede
    jedem jeden jeder jedes jedoch jener jetzt kann kein keine keinem keinen keiner können
    könnte machen man manche mehr mein meine mit muss musste nach nachdem nein nicht nichts noch
    nun nur ob oder ohne sehr sein seine seinem seinen seiner seit sich sie sind so solche soll
    sollte sondern sonst sowie über um und uns unser unter viel vom von vor war waren warst was
    weil weiter welche welchem welchen welcher welches wenn wer werde werden wie wieder will
    wir wird wirst wo wollen wollte worden wurde wurden zu zum zur zwar zwischen sagte sagt
    laut bereits schon immer mal beim seien sei einem""",
    "fr": """a à afin ai aie aient ainsi alors après as au aucun aussi autre autres aux avait
    avaient avant avec avoir ce ceci cela celle celles celui cependant ces cet cette ceux chaque
    comme comment d dans de des donc dont du elle elles en encore entre est et été être eux
    fait faire fois font hors il ils j je jusqu l la le les leur leurs lui m ma mais me même mes
    moi moins mon n ne ni nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi
    qu quand que quel quelle quelles quels qui s sa sans se selon ses si son sont sous sur ta
    te tes toi ton tous tout toute toutes très tu un une vos votre vous y été était étaient
    sera seront aurait serait dit déclaré c cest qu'il qu'elle n'est c'est d'un d'une l'on""",
    "es": """a al algo algunas algunos ante antes como con contra cual cuando de del desde
    donde durante e el él ella ellas ellos en entre era eran es esa esas ese eso esos esta
    está están estas este esto estos fue fueron ha han hasta hay la las le les lo los más me
    mi mientras muy nada ni no nos nosotros o os otra otras otro otros para pero poco por porque
    que qué se sea ser si sí sido sin sobre son su sus también tan tanto te tiene tienen todo
    todos tu tus un una uno unos unas y ya yo dijo según había habían será sería este esta""",
}

STOPWORDS: dict[str, frozenset[str]] = {code: frozenset(w.split()) for code, w in _WORDS.items()}
# Words no language here uses for a topic: what clustering strips from a capitalized run.
ANY_LANGUAGE: frozenset[str] = frozenset().union(*STOPWORDS.values())


def stopwords(language: str) -> frozenset[str]:
    """The stopwords of ``language``; those of every listed language when it has no list."""
    return STOPWORDS.get(language, ANY_LANGUAGE)
