import type { Messages } from './en';

export const fr: Messages = {
  app: { name: 'Facteur', tagline: 'Votre courriel, sur votre serveur' },
  nav: {
    label: 'Navigation principale',
    servers: 'Serveurs',
    setup: 'Installation',
    dashboard: 'Tableau de bord',
    status: 'État',
    mail: 'Courriel',
    dns: 'DNS',
    backups: 'Sauvegardes',
    updates: 'Mises à jour',
    settings: 'Réglages',
  },
  common: {
    cancel: 'Annuler',
    close: 'Fermer',
    loading: 'Chargement…',
    retry: 'Réessayer',
    unknown: 'inconnu',
  },
  servers: {
    title: 'Serveurs',
    intro: 'Les serveurs qui font tourner votre courriel. Facteur ne les joint que par SSH.',
    empty:
      'Aucun serveur pour l’instant. Ajoutez le VPS ou le serveur domestique qui accueillera votre courriel.',
    add: 'Ajouter un serveur',
    check: 'Vérifier à nouveau',
    checking: 'Vérification…',
    remove: 'Retirer',
    confirmRemove: 'Retirer {{name}} de Facteur ? Le serveur lui-même n’est pas modifié.',
    address: 'Adresse',
    hostKey: 'Clé d’hôte',
    os: 'Système',
    arch: 'Architecture',
    ram: 'Mémoire',
    disk: 'Disque',
    diskValue: '{{free}} libres sur {{total}}',
    docker: 'Docker',
    dockerMissing: 'Pas encore installé',
    checkedAt: 'Vérifié {{when}}',
    notChecked: 'Pas encore vérifié',
  },
  addServer: {
    title: 'Ajouter un serveur',
    name: 'Nom (facultatif)',
    namePlaceholder: 'Mon serveur de courriel',
    host: 'Adresse',
    hostHelp: 'L’adresse IP ou le nom d’hôte de votre serveur',
    port: 'Port SSH',
    user: 'Utilisateur',
    method: 'Comment vous connectez-vous ?',
    methodKey: 'Avec une clé privée',
    methodPassword: 'Avec un mot de passe',
    passwordHelp:
      'Utilisé une seule fois pour installer une clé que Facteur crée pour ce serveur, puis oublié.',
    privateKey: 'Clé privée',
    privateKeyHelp: 'Collez la clé, ou choisissez son fichier.',
    keyFile: 'Choisir un fichier de clé',
    passphrase: 'Phrase de passe de la clé (s’il y en a une)',
    password: 'Mot de passe',
    connect: 'Se connecter',
    connecting: 'Connexion…',
    verifyTitle: 'Est-ce bien votre serveur ?',
    verifyText:
      'Votre serveur s’est présenté avec cette empreinte. Si votre hébergeur en affiche une, elles doivent être identiques. Facteur refusera toute autre empreinte désormais.',
    fingerprint: 'Empreinte {{algorithm}}',
    trust: 'Oui, c’est mon serveur',
    saving: 'Connexion et lecture du serveur…',
    added: '{{name}} a été ajouté.',
  },
  setup: {
    title: 'Installation',
    intro: 'D’abord, Facteur vérifie que votre serveur peut accueillir votre courriel. Rien n’y est modifié.',
    noServer: 'Ajoutez d’abord un serveur, sur la page Serveurs.',
    server: 'Serveur',
    check: 'Vérifier ce serveur',
    checkAgain: 'Vérifier à nouveau',
    checking: 'Vérification…',
    results: 'Résultats des vérifications',
    ready: 'Ce serveur est prêt pour Facteur.',
    blocked_one: '{{count}} problème doit être réglé avant que Facteur installe votre serveur de courriel.',
    blocked_other:
      '{{count}} problèmes doivent être réglés avant que Facteur installe votre serveur de courriel.',
    status: { ok: 'Bon', warn: 'Attention', fail: 'Problème', unknown: 'Inconnu' },
    checks: {
      os: 'Système',
      arch: 'Processeur',
      memory: 'Mémoire',
      disk: 'Disque libre',
      privileges: 'Droits d’administration',
      docker: 'Docker',
      ports: 'Ports courriel et web',
      clock: 'Horloge',
      addresses: 'Adresse publique',
      ptr: 'DNS inverse',
      smtpOut: 'Envoi sur le port 25',
      reachability: 'Joignable depuis internet',
    },
    messages: {
      os: {
        ok: '{{value}} est pris en charge.',
        warn: '{{value}} n’est pas testé avec Facteur.',
        fail: '{{value}} est trop ancien.',
      },
      arch: {
        ok: 'Ce type de processeur est pris en charge.',
        fail: 'L’image serveur de Facteur est faite pour les processeurs x86_64, et ce serveur est {{value}}.',
      },
      memory: {
        ok: '{{value}} de mémoire suffisent.',
        warn: '{{value}} de mémoire, c’est juste : le courriel fonctionne, mais lentement les jours chargés.',
        fail: '{{value}} de mémoire ne suffisent pas.',
      },
      disk: {
        ok: '{{value}} libres : de la place pour des années de courriel.',
        warn: '{{value}} libres : assez pour commencer, pas pour longtemps.',
        fail: 'Seulement {{value}} libres.',
      },
      privileges: {
        ok: 'Connecté avec des droits d’administration ({{value}}).',
        fail: 'Cet utilisateur ne peut pas administrer le serveur (pas de sudo).',
      },
      docker: { ok: 'Docker {{value}} fonctionne.', fail: 'Docker : {{value}}.' },
      ports: {
        ok: 'Tous les ports courriel et web sont libres.',
        fail: 'Un autre programme utilise déjà : {{value}}.',
      },
      clock: {
        ok: 'L’horloge du serveur est juste.',
        warn: 'L’horloge du serveur n’est pas synchronisée (décalage : {{value}}).',
        fail: 'L’horloge du serveur est décalée de {{value}} : certificats et signatures échoueront.',
        unknown: 'Facteur n’a pas pu lire l’horloge du serveur.',
      },
      addresses: {
        ok: 'Adresse publique : {{value}}.',
        warn: 'Le serveur n’a pas d’adresse publique à lui ({{value}}) : il est sans doute derrière un routeur (NAT).',
      },
      ptr: {
        ok: 'Le DNS inverse indique {{value}}. L’étape DNS vérifie qu’il correspond à votre nom d’hôte courriel.',
        warn: 'L’adresse du serveur n’a pas de DNS inverse : les grands fournisseurs se méfient de tels expéditeurs.',
        unknown: 'Le DNS inverse ne peut être vérifié que pour une adresse publique.',
      },
      smtpOut: {
        ok: 'Le serveur peut envoyer du courriel sur le port 25.',
        unknown:
          'Facteur n’a pas pu savoir si le port 25 est ouvert en sortie : le serveur de test n’a pas répondu.',
      },
      reachability: {
        unknown:
          'Savoir si internet joint ces ports demande un test depuis l’extérieur ; Facteur le fait depuis cet ordinateur après le déploiement.',
      },
    },
    fixes: {
      os: {
        warn: 'Facteur est testé sur Debian 12 et Ubuntu 24.04.',
        fail: 'Réinstallez le serveur avec Debian 12 ou Ubuntu 24.04 (votre hébergeur les propose).',
      },
      arch: { fail: 'Choisissez un serveur x86_64 (amd64) chez votre hébergeur.' },
      memory: {
        warn: 'Un serveur avec 1 Go de mémoire ou plus est confortable.',
        fail: 'Choisissez un serveur avec au moins 1 Go de mémoire.',
      },
      disk: {
        warn: 'Prévoyez un disque plus grand, ou des quotas modestes.',
        fail: 'Libérez de la place ou choisissez un serveur avec au moins 10 Go de disque.',
      },
      privileges: { fail: 'Connectez-vous en root, ou ajoutez cet utilisateur au groupe sudo.' },
      docker: { fail: 'Facteur peut installer Docker depuis les paquets de votre système et le démarrer.' },
      ports: {
        fail: 'Facteur a besoin de ces ports. Arrêtez ou retirez le programme qui les utilise (souvent un serveur web ou un autre serveur de courriel), puis vérifiez à nouveau.',
      },
      clock: {
        warn: 'Activez la synchronisation de l’heure : sudo timedatectl set-ntp true.',
        fail: 'Installez et démarrez la synchronisation de l’heure : sudo apt install systemd-timesyncd.',
      },
      addresses: {
        warn: 'Redirigez les ports 25, 80, 443, 465, 587, 993 et 995 de votre routeur vers ce serveur, ou utilisez un VPS.',
      },
      ptr: {
        warn: 'Dans le panneau de votre hébergeur, réglez le DNS inverse (PTR) de l’adresse sur votre nom d’hôte courriel, par exemple mail.exemple.fr.',
        unknown: 'Réglez-le chez votre hébergeur une fois que le serveur a une adresse publique.',
      },
      smtpOut: {
        unknown:
          'Beaucoup d’hébergeurs bloquent le port 25 sortant sur les nouveaux serveurs. Demandez au vôtre de l’ouvrir, ou configurez plus tard un relais dans Facteur.',
      },
    },
  },
  dns: {
    title: 'DNS',
    intro:
      'Les enregistrements qui font fonctionner le courriel de votre domaine. Saisissez votre domaine et votre serveur, publiez les enregistrements chez votre fournisseur DNS (ou laissez Facteur le faire), puis vérifiez-les.',
    formTitle: 'Votre domaine et votre serveur',
    domain: 'Domaine',
    domainHelp: 'La partie après @ dans vos adresses.',
    server: 'Serveur',
    serverNone: 'Saisir les adresses à la main',
    ipv4: 'Adresse IPv4',
    ipv6: 'Adresse IPv6 (facultative)',
    mailHost: 'Nom du serveur de courriel',
    addressesHelp:
      'Les adresses publiques de votre serveur. Facteur les remplit une fois votre serveur déployé ; d’ici là, vous pouvez les saisir.',
    dkimTitle: 'Clés DKIM',
    dkimHelp:
      'Chaque sélecteur avec sa valeur DNS, telle que votre serveur les indique. Pendant le renouvellement des clés, gardez aussi l’ancien sélecteur publié.',
    dkimSelector: 'Sélecteur',
    dkimSelectorN: 'Sélecteur DKIM {{n}}',
    dkimValueN: 'Valeur DKIM {{n}}',
    dkimAdd: 'Ajouter une clé DKIM',
    dkimRemove: 'Retirer',
    advanced: 'Plus de réglages',
    reportMailbox: 'Boîte des rapports',
    reportMailboxHelp: 'Les rapports DMARC et TLS des autres services de courriel arrivent ici.',
    dmarcPolicy: 'Courriel qui échoue à SPF et DKIM',
    dmarcNone: 'Le distribuer quand même (rapports seulement)',
    dmarcQuarantine: 'Le mettre dans les indésirables',
    dmarcReject: 'Le refuser',
    acmeCa: 'Autorité de certification (CAA)',
    mtaStsId: 'Identifiant de la politique MTA-STS',
    mtaStsIdHelp:
      'Changez-le chaque fois que la politique change. Par défaut, il vient du nom du serveur de courriel.',
    tlsa: 'Empreintes TLSA (facultatif)',
    tlsaHelp:
      'Empreintes SHA-256 de la clé publique du certificat, une par ligne. Utile seulement avec DNSSEC.',
    show: 'Afficher les enregistrements',
    showing: 'Préparation…',
    recordsTitle: 'Enregistrements pour {{domain}}',
    recordsIntro:
      'Ajoutez-les chez votre fournisseur DNS. La plupart des formulaires veulent le nom sans le domaine (en gras), et la valeur exactement comme écrite, sans guillemets.',
    colStatus: 'État',
    colType: 'Type',
    colName: 'Nom',
    colValue: 'Valeur',
    colTtl: 'TTL',
    colPurpose: 'À quoi il sert',
    optional: 'facultatif',
    copy: 'Copier',
    copied: 'Copié',
    copyName: 'Copier le nom de l’enregistrement {{type}} {{name}}',
    copyValue: 'Copier la valeur de l’enregistrement {{type}} {{name}}',
    copyZone: 'Copier le fichier de zone',
    downloadZone: 'Télécharger le fichier de zone',
    check: 'Vérifier maintenant',
    checking: 'Vérification…',
    checkedAt: 'Vérifié {{when}} auprès de {{servers}}',
    allGood: 'Les {{count}} enregistrements sont publiés correctement.',
    someBad_one: '{{count}} enregistrement demande votre attention.',
    someBad_other: '{{count}} enregistrements demandent votre attention.',
    status: { ok: 'Correct', wrong: 'Erroné', missing: 'Absent', error: 'Non vérifié' },
    verdict: {
      ok: 'Cet enregistrement est correct.',
      wrong: 'Cet enregistrement ne contient pas la valeur attendue.',
      missing: 'Cet enregistrement est absent : ajoutez-le avec la valeur ci-dessus.',
      error: 'Cet enregistrement n’a pas pu être vérifié.',
    },
    differs: 'Diffère au caractère {{at}} : attendu {{expected}}, trouvé {{found}}',
    expected: 'Attendu',
    found: 'Trouvé',
    nothingFound: 'rien',
    notChecked: 'Non vérifié : les serveurs de noms n’ont pas répondu.',
    problems: {
      noDomain:
        '{{domain}} n’existe pas encore dans le DNS : vérifiez son orthographe, ou que son enregistrement est terminé.',
      noNameservers:
        'Aucun serveur de noms n’est indiqué pour {{domain}} : réglez les serveurs de noms chez votre registraire.',
      unreachable:
        'Les serveurs de noms de {{domain}} n’ont pas pu être interrogés : vérifiez la connexion internet de cet ordinateur.',
    },
    ptrTitle: 'DNS inverse',
    ptrHelp: 'Réglé chez votre hébergeur (dans le panneau du serveur), pas chez votre fournisseur DNS.',
    ptr: {
      ok: 'Le DNS inverse de {{ip}} est {{expected}}',
      missing:
        '{{ip}} n’a pas de DNS inverse : demandez à votre hébergeur de le régler sur {{expected}} (souvent appelé rDNS ou PTR dans le panneau du serveur).',
      wrong:
        'Le DNS inverse de {{ip}} est {{found}}, {{expected}} attendu : demandez à votre hébergeur de le changer.',
      error: 'Le DNS inverse de {{ip}} n’a pas pu être lu.',
    },
    purposes: {
      mx: 'Le courriel pour {{domain}} est remis à votre serveur {{host}}.',
      mailA: 'L’adresse de votre serveur de courriel {{host}} (IPv4).',
      mailAAAA: 'L’adresse de votre serveur de courriel {{host}} (IPv6).',
      mailSpf:
        'Permet à votre serveur d’envoyer sous son propre nom {{host}}, celui qu’il donne en saluant les autres serveurs.',
      spf: 'Indique que seul votre serveur de courriel peut envoyer depuis les adresses @{{domain}} (SPF).',
      dkim: 'La clé publique avec laquelle les autres serveurs vérifient la signature de votre courriel (DKIM, sélecteur {{selector}}).',
      dmarc:
        'Dit aux autres serveurs que faire du courriel qui échoue à SPF et DKIM, et leur fait envoyer leurs rapports à {{reports}} (DMARC).',
      mtaSts:
        'Annonce que votre serveur ne reçoit le courriel que par des connexions chiffrées (MTA-STS) ; l’identifiant change avec la politique.',
      mtaStsA: 'Le nom web qui sert votre politique MTA-STS aux autres serveurs de courriel (IPv4).',
      mtaStsAAAA: 'Le nom web qui sert votre politique MTA-STS aux autres serveurs de courriel (IPv6).',
      tlsRpt:
        'Où les autres serveurs signalent leurs problèmes de chiffrement vers vous : {{reports}} (TLS-RPT).',
      caa: 'Autorise {{ca}}, l’autorité qui délivre les certificats de votre serveur, à en émettre pour {{domain}} (CAA).',
      tlsa: 'Permet aux serveurs expéditeurs de vérifier le certificat de votre serveur par DNSSEC (DANE). Utile seulement si le domaine est signé avec DNSSEC.',
      imaps:
        'Permet aux applications de courriel de trouver où lire votre courriel (IMAP sur TLS, port 993).',
      submissions:
        'Permet aux applications de courriel de trouver où envoyer (soumission sur TLS, port 465).',
      submission:
        'Permet aux applications de courriel de trouver où envoyer (soumission avec STARTTLS, port 587).',
      pop3s: 'Permet aux applications qui utilisent POP3 de trouver votre serveur (POP3 sur TLS, port 995).',
      caldavs: 'Permet aux applications d’agenda de trouver vos agendas (CalDAV sur HTTPS).',
      carddavs: 'Permet aux applications de contacts de trouver vos carnets d’adresses (CardDAV sur HTTPS).',
      autoconfigA:
        'Permet à Thunderbird et à d’autres applications de lire leurs réglages automatiquement (IPv4).',
      autoconfigAAAA:
        'Permet à Thunderbird et à d’autres applications de lire leurs réglages automatiquement (IPv6).',
      autodiscover:
        'Permet à Outlook et aux autres applications qui utilisent Autodiscover de lire leurs réglages automatiquement.',
      autodiscoverSrv: 'Indique à Outlook où trouver son service Autodiscover.',
    },
    hints: {
      quotedTxt:
        'L’enregistrement TXT {{name}} contient des guillemets dans son texte. Saisissez la valeur sans guillemets : le fournisseur les ajoute.',
      doubledName:
        'Un enregistrement {{type}} existe à {{name}} : le domaine a été ajouté deux fois. Dans le formulaire du fournisseur, saisissez seulement « {{host}} » comme nom (ou le nom complet avec un point final).',
      targetMissingDot:
        'L’enregistrement à {{name}} pointe vers {{found}} : la cible n’a pas son point final, le domaine a donc été ajouté. Écrivez {{expected}} avec le point à la fin.',
      spfSplit:
        'La valeur SPF de {{name}} est répartie sur {{count}} enregistrements TXT. Il en faut un seul (une longue valeur se découpe en chaînes à l’intérieur d’un même enregistrement, pas en plusieurs enregistrements).',
      txtSplit:
        'La valeur de {{name}} est répartie sur {{count}} enregistrements TXT. Collez toute la valeur dans un seul enregistrement TXT.',
      multipleSpf:
        '{{name}} a {{count}} enregistrements SPF ; les destinataires les ignorent alors tous. N’en gardez qu’un.',
      apexCname:
        '{{name}} est lui-même un CNAME (vers {{target}}). Un domaine ne peut pas être un alias et porter aussi des enregistrements MX, TXT et CAA : supprimez ce CNAME.',
      whitespace:
        'L’enregistrement TXT {{name}} contient des espaces ou des retours à la ligne qui n’ont pas leur place dans la valeur. Collez à nouveau la valeur d’un seul tenant, exactement comme affichée.',
      extraRecords: 'Supprimez les autres enregistrements {{type}} à {{name}} : {{extra}}.',
      nameserversDisagree:
        'Le serveur de noms {{server}} donne une autre réponse pour {{name}} {{type}} : il n’a peut-être pas encore reçu le changement.',
      resolverStale:
        'Les serveurs de noms sont à jour, mais votre résolveur donne encore l’ancienne réponse ; il peut la garder jusqu’à {{ttl}} secondes.',
    },
    apply: {
      title: 'Appliquer par mise à jour dynamique',
      intro:
        'Si votre serveur DNS accepte les mises à jour dynamiques signées (RFC 2136 avec une clé TSIG : BIND, Knot, PowerDNS…), Facteur peut publier les enregistrements lui-même. Il ajoute ce qui manque, remplace ce qui est faux, et laisse vos autres enregistrements tranquilles.',
      server: 'Serveur DNS',
      port: 'Port',
      zone: 'Zone (facultative)',
      keyName: 'Nom de la clé',
      secret: 'Secret (base64)',
      secretSaved: 'Enregistré : laissez vide pour l’utiliser',
      secretHelp:
        'Conservé dans le coffre chiffré de Facteur sur cet ordinateur, une fois accepté par le serveur.',
      submit: 'Appliquer les enregistrements',
      applying: 'Application…',
      done: 'Fait : {{added}} ajoutés, {{replaced}} remplacés, {{removed}} supprimés, {{unchanged}} déjà corrects.',
      nothing: 'Rien à changer : tous les enregistrements étaient déjà corrects.',
      changes: 'Changements envoyés ({{count}})',
      refused: {
        BADSIG:
          'Le serveur DNS {{server}} a refusé la clé {{key}} : le secret ne correspond pas. Vérifiez le nom de la clé et le secret.',
        BADKEY:
          'Le serveur DNS {{server}} n’accepte pas la clé {{key}} pour {{zone}} : vérifiez le nom de la clé, et que le serveur autorise cette clé à modifier la zone.',
        BADTIME:
          'Le serveur DNS {{server}} a refusé la mise à jour car l’horloge de cet ordinateur et celle du serveur sont trop décalées.',
        REFUSED:
          'Le serveur DNS {{server}} a refusé de modifier {{zone}} : il ne sert peut-être pas cette zone, ou cette clé n’a pas le droit de la modifier.',
        NOTAUTH:
          'Le serveur DNS {{server}} n’est pas le serveur principal de {{zone}} : utilisez l’adresse du serveur principal.',
        NOTZONE: 'Un enregistrement est en dehors de la zone {{zone}} : vérifiez le nom de la zone.',
        SERVFAIL:
          'Le serveur DNS {{server}} a échoué en appliquant la mise à jour. Réessayez, ou consultez ses journaux.',
      },
    },
  },
  wizard: {
    intro:
      'Sept étapes d’un serveur vierge à votre première boîte mail. Facteur explique ce qu’il fait à chaque étape ; vous pouvez revenir ici à tout moment.',
    check: 'Vérifier le serveur',
    privileges: 'Droits d’administrateur',
    docker: 'Docker',
    deploy: 'Installer Facteur',
    dns: 'Enregistrements DNS',
    certificate: 'Certificat de sécurité',
    mailbox: 'Votre première boîte mail',
    lockedCheck: 'Disponible une fois le serveur vérifié (étape 1).',
    lockedDeploy: 'Disponible une fois Facteur installé sur le serveur (étape 4).',
    lockedDocker: 'Disponible une fois Docker en marche sur le serveur (étape 3).',
    dnsText:
      'Internet trouve votre serveur de courriel grâce aux enregistrements DNS de {{domain}}. La page DNS les liste, les vérifie et peut les publier pour vous. Revenez ici quand ils sont tous corrects.',
    dnsOpen: 'Configurer les enregistrements DNS de {{domain}}',
  },
  privileges: {
    root: 'Facteur se connecte en tant que {{user}} : il a tous les droits nécessaires.',
    passwordless: '{{user}} peut agir en administrateur (sudo) sans mot de passe : rien à faire.',
    'password-known': 'Facteur connaît le mot de passe administrateur de {{user}} tant qu’il fonctionne.',
    unavailable:
      '{{user}} ne peut pas agir en administrateur sur ce serveur. Connectez-vous en root, ou demandez que {{user}} puisse utiliser sudo.',
    askPassword:
      'Installer votre serveur de courriel demande des droits d’administrateur. {{user}} peut les obtenir avec son mot de passe (sudo).',
    password: 'Mot de passe de {{user}}',
    memoryOnly: 'Gardé seulement en mémoire tant que Facteur fonctionne, jamais écrit sur le disque.',
    submit: 'Utiliser ce mot de passe',
    checking: 'Vérification…',
  },
  docker: {
    present: 'Docker {{version}} est installé.',
    installed: 'Docker {{version}} a été installé et démarré.',
    inUse: 'Docker fait fonctionner votre serveur de courriel.',
    missing:
      'Votre serveur de courriel fonctionne dans Docker, que ce serveur n’a pas encore. Facteur peut l’installer depuis les paquets de votre système.',
    install: 'Installer Docker',
    installing: 'Installation de Docker…',
    progress: 'Progression de l’installation de Docker',
    starting: 'Démarrage…',
  },
  deploy: {
    formLabel: 'Les noms de votre serveur de courriel',
    domain: 'Votre domaine',
    domainHelp: 'La partie après @ dans vos adresses, par exemple exemple.fr.',
    hostname: 'Nom du serveur de courriel',
    hostnameHelp: 'Par défaut mail. suivi de votre domaine.',
    install: 'Installer Facteur sur ce serveur',
    reinstall: 'Installer à nouveau',
    installing: 'Installation…',
    failed: 'L’installation s’est arrêtée.',
    stepsLabel: 'Étapes de l’installation',
    steps: {
      connect: 'Se connecter au serveur',
      docker: 'Vérifier Docker',
      disk: 'Vérifier l’espace disque libre',
      image: 'Envoyer le serveur de courriel',
      config: 'Écrire les réglages et les secrets',
      init: 'Préparer le stockage du courriel',
      containers: 'Créer les services',
      health: 'Attendre que chaque service réponde',
      firewall: 'Ouvrir les ports du courriel',
      backups: 'Activer les sauvegardes quotidiennes',
      done: 'Terminé',
    },
    stepState: { done: 'terminé', current: 'en cours', failed: 'échec', todo: 'à faire' },
    imageProgress: 'Envoi du serveur de courriel',
    bytesOf: '{{done}} sur {{total}}',
    speed: '{{speed}}/s',
    timeLeft: 'encore {{time}} environ',
    duration: {
      seconds_one: '{{count}} seconde',
      seconds_other: '{{count}} secondes',
      minutes: '{{minutes}} min {{seconds}} s',
    },
    running: 'Votre serveur de courriel fonctionne.',
    version: 'Version',
    sent: 'Envoyé',
    sentValue: '{{sent}} envoyés, {{reused}} déjà sur le serveur',
    services: 'Services',
    action: { created: '{{name}} (nouveau)', kept: '{{name}} (inchangé)', replaced: '{{name}} (mis à jour)' },
    firewall: 'Pare-feu',
    firewallOpened: 'Ports du courriel ouverts : {{ports}}',
    firewallNone: 'Aucun pare-feu sur le serveur : rien à ouvrir.',
    took: 'Durée',
    deployedVersion: 'Facteur {{version}} est installé',
    newer: 'cette copie de Facteur contient la {{version}}',
    servicesCaption: 'Les services de votre serveur de courriel',
    service: 'Service',
    roles: 'Ce qu’il fait',
    state: 'État',
    serviceState: { running: 'En marche', stopped: 'Arrêté', missing: 'Absent' },
    health: { healthy: 'répond', unhealthy: 'ne répond pas', starting: 'démarre', none: 'sans contrôle' },
    exportCompose: 'Exporter docker-compose.yml',
    details: 'Détails',
  },
  certificate: {
    selfSigned:
      'Votre serveur utilise un certificat provisoire qui fera réagir les applications de courriel. Demandez-en un vrai une fois les enregistrements DNS corrects.',
    issued_one: 'Votre serveur a un vrai certificat, valable encore {{count}} jour.',
    issued_other: 'Votre serveur a un vrai certificat, valable encore {{count}} jours.',
    subject: 'Délivré à',
    names: 'Noms couverts',
    expires: 'Valable jusqu’au',
    daysLeft_one: 'encore {{count}} jour',
    daysLeft_other: 'encore {{count}} jours',
    request: 'Demander le certificat',
    renew: 'Renouveler le certificat',
    waiting: 'L’autorité de certification vérifie votre serveur. Cela prend en général moins d’une minute…',
    failed: 'Le certificat n’a pas pu être obtenu : {{error}}',
  },
  mailbox: {
    address: 'Adresse',
    addressHelp: 'Votre nouvelle adresse de courriel. Vous pourrez ajouter d’autres boîtes plus tard.',
    create: 'Créer la boîte mail',
    creating: 'Création…',
    created: '{{address}} est prête.',
    passwordTitle: 'Son mot de passe',
    writeItDown:
      'Notez-le ou copiez-le dans votre gestionnaire de mots de passe maintenant : Facteur ne l’affiche qu’une fois et ne le garde pas.',
    copyPassword: 'Copier le mot de passe',
    settingsTitle: 'Réglages pour votre application de courriel',
    settingsIntro:
      'La plupart des applications les trouvent seules à partir de votre adresse. Si la vôtre les demande, saisissez-les comme ci-dessous.',
    kind: 'Usage',
    server: 'Serveur',
    port: 'Port',
    security: 'Sécurité',
    protocol: { imap: 'Réception (IMAP)', pop3: 'Réception (POP3)', smtp: 'Envoi (SMTP)' },
    securityKind: { tls: 'SSL/TLS', starttls: 'STARTTLS' },
    username: 'Nom d’utilisateur :',
    autoconfig:
      'Utilisez le mot de passe ci-dessus. Des applications comme Thunderbird règlent tout à partir de la seule adresse.',
  },
  mail: {
    title: 'Courrier',
    intro:
      'Domaines, boîtes, alias, mots de passe et réglage des applications de courrier, sur votre serveur.',
    server: 'Serveur',
    noServer: 'Ajoutez et installez d’abord un serveur : ses boîtes se gèrent ici.',
    actions: 'Actions',
    remove: 'Supprimer',
    working: 'En cours…',
    domains: {
      title: 'Domaines',
      name: 'Domaine',
      mailboxes: 'Boîtes',
      aliases: 'Alias',
      add: 'Ajouter un domaine',
      addButton: 'Ajouter le domaine',
      removeLabel: 'Supprimer le domaine {{domain}}',
    },
    mailboxes: {
      title: 'Boîtes aux lettres',
      used: 'Utilisé',
      usage: '{{size}} en {{count}} messages',
      quota: 'Quota',
      quotaLabel: 'Quota de {{address}} en mégaoctets (vide : sans limite)',
      noLimit: 'sans limite',
      setQuota: 'Appliquer',
      state: 'État',
      states: { active: 'Active', disabled: 'Désactivée : personne ne peut se connecter' },
      disable: 'Désactiver',
      enable: 'Activer',
      new: 'Nouvelle boîte',
      passwordOf: 'Le mot de passe de {{address}}',
    },
    reset: {
      title: 'Réinitialiser le mot de passe',
      intro:
        'Donne à la boîte un nouveau mot de passe généré sans perdre aucun message : Facteur ouvre la clé de la boîte avec la clé de secours gardée sur cet ordinateur. L’ancien mot de passe cesse aussitôt de fonctionner.',
      button: 'Réinitialiser le mot de passe',
      newPassword: 'Le nouveau mot de passe',
    },
    appPasswords: {
      title: 'Mots de passe d’application',
      intro:
        'Un mot de passe par téléphone ou ordinateur : chacun ouvre la boîte à lui seul, et vous pouvez en révoquer un sans toucher aux autres.',
      none: 'Aucun mot de passe d’application pour l’instant.',
      created: 'créé le {{date}}',
      revoke: 'Révoquer',
      revokeLabel: 'Révoquer le mot de passe d’application {{label}}',
      label: 'Nom de l’appareil',
      labelPlaceholder: 'Téléphone',
      create: 'Créer un mot de passe d’application',
      shownOnce: 'Mot de passe d’application pour {{label}}',
    },
    setup: {
      title: 'Régler une application de courrier',
      qrAlt: 'QR code avec les réglages de {{address}}',
      qrCaption: 'Scannez-le avec un téléphone pour y lire ces réglages.',
      appleTitle: 'iPhone, iPad et Mac',
      appleIntro:
        'Téléchargez un profil de configuration et ouvrez-le sur l’appareil : Mail est réglé avec les paramètres ci-dessus.',
      applePassword:
        'Y mettre un nouveau mot de passe d’application (sinon l’appareil demande le mot de passe)',
      appleDownload: 'Télécharger le profil (.mobileconfig)',
      appleDone: '{{file}} est téléchargé.',
      testTitle: 'Message de test',
      testIntro:
        'Facteur envoie un message de cette boîte à elle-même par le serveur, comme une application de courrier, avec un mot de passe d’application temporaire qu’il révoque ensuite.',
      testSend: 'Envoyer un message de test',
      testSending: 'Envoi…',
      testDelivered: 'Distribué : le message est dans la boîte de réception de {{address}}.',
      testFailed:
        'Non distribué : le serveur n’a pas pris le message. Vérifiez que le port 465 est ouvert, puis réessayez.',
    },
    aliases: {
      title: 'Alias et renvois',
      intro:
        'Un alias distribue à d’autres adresses, ici ou ailleurs. Écrivez @exemple.fr comme adresse pour recevoir tout ce qui est envoyé à n’importe quelle autre adresse de ce domaine (attrape-tout).',
      address: 'Adresse',
      addressHelp: 'ventes@exemple.fr, ou @exemple.fr pour l’attrape-tout.',
      destinations: 'Distribué à',
      destinationsHelp: 'Une ou plusieurs adresses, séparées par des virgules.',
      addButton: 'Ajouter l’alias',
      catchAll: 'Toute autre adresse @{{domain}}',
      removeLabel: 'Supprimer l’alias {{address}}',
    },
    delete: {
      section: 'Supprimer la boîte',
      open: 'Supprimer cette boîte…',
      title: 'Supprimer {{address}} ?',
      warning:
        'Tous les messages, dossiers et mots de passe d’application de cette boîte sont effacés du serveur. C’est définitif.',
      backupFirst: 'Faire d’abord une dernière sauvegarde',
      backupLater:
        'Les sauvegardes sont désactivées pour ce serveur : activez-les depuis la page Sauvegardes pour garder d’abord une copie, ou copiez le courrier à garder avec une application de courrier.',
      backupKept:
        'Tant que cette sauvegarde est gardée, restaurer le serveur à partir d’elle (page Sauvegardes) ramène la boîte.',
      typeAddress: 'Tapez {{address}} pour confirmer',
      confirm: 'Supprimer définitivement',
    },
    errors: {
      domainExists: '{{domain}} est déjà un domaine de ce serveur.',
      domainNotEmpty:
        '{{domain}} a encore des boîtes, il n’a donc pas été supprimé : supprimez d’abord ses boîtes, puis le domaine.',
      noDomain: 'Ce serveur n’a pas de domaine {{domain}} : ajoutez-le d’abord.',
      noMailbox: 'Ce serveur n’a pas de boîte {{address}}.',
      confirmMismatch: 'Pour supprimer {{address}}, tapez son adresse exactement : rien n’a été supprimé.',
      aliasExists: '{{address}} existe déjà (alias ou boîte) : modifiez plutôt celui-là.',
      noAlias: 'Ce serveur n’a pas d’alias {{address}}.',
      appPasswordGone: 'Ce mot de passe d’application de {{address}} était déjà révoqué.',
      serverTooOld:
        'Ce serveur ne peut pas encore recevoir de mots de passe d’application créés par Facteur : déployez d’abord la version actuelle du serveur de courrier.',
      noRecoveryKey:
        'Cet ordinateur n’a pas de clé de secours pour ce serveur : il ne peut ni réinitialiser de mot de passe ni créer de mot de passe d’application. Utilisez l’ordinateur qui a créé ses boîtes (ou restaurez ses données Facteur).',
      recoveryKeyMismatch:
        'La clé de secours de cet ordinateur n’ouvre pas {{address}} : la boîte a été créée avec une autre clé de secours. Utilisez l’ordinateur qui l’a créée.',
    },
  },
  dashboard: {
    title: 'Tableau de bord',
    intro:
      'L’état de vos serveurs : leurs services, et les graphiques de ce qu’ils mesurent toutes les quelques secondes.',
    noServers:
      'Ajoutez d’abord un serveur : ses graphiques apparaissent ici une fois le serveur de courriel installé.',
    serversLabel: 'Vos serveurs',
    state: {
      ok_one: 'Fonctionne : son service est actif.',
      ok_other: 'Fonctionne : ses {{count}} services sont actifs.',
      degraded_one:
        'Un service ne fonctionne pas : {{roles}}. Ouvrez-le ci-dessous pour voir lequel et depuis quand.',
      degraded_other:
        '{{count}} services ne fonctionnent pas : {{roles}}. Ouvrez-le ci-dessous pour voir lesquels et depuis quand.',
      unreachable:
        'Facteur n’a pas pu l’interroger : {{problem}} Vérifiez que le serveur est allumé et joignable.',
      notDeployed: 'Rien d’installé pour l’instant : lancez l’installation du serveur de courriel.',
    },
    serverTitle: '{{name}}',
    unavailable:
      'Facteur n’a pas pu lire les chiffres de ce serveur : {{detail}} Ils seront redemandés sous peu.',
    loadingMetrics: 'Chargement des graphiques…',
    rolesTitle: 'Services',
    role: {
      mx: 'Réception (MX)',
      submission: 'Envoi (soumission)',
      imap: 'IMAP',
      pop3: 'POP3',
      control: 'Pilotage',
      jobs: 'Tâches de fond',
      web: 'Web',
      outbound: 'Remise aux autres serveurs',
      dav: 'Agendas et contacts',
    },
    roleStatus: { up: 'Actif', stopped: 'Arrêté', down: 'En panne', unknown: 'Inconnu' },
    restarts_one: 'redémarré {{count}} fois',
    restarts_other: 'redémarré {{count}} fois',
    certificateSelfSigned: 'Certificat : celui du serveur, en attendant qu’une autorité en délivre un.',
    certificateDays_one: 'Certificat : {{count}} jour restant.',
    certificateDays_other: 'Certificat : {{count}} jours restants.',
    rangeLabel: 'Période',
    range: { '1h': '1 h', '24h': '24 h', '7d': '7 j', '30d': '30 j' },
    rangeName: {
      '1h': 'Dernière heure',
      '24h': 'Dernières 24 heures',
      '7d': '7 derniers jours',
      '30d': '30 derniers jours',
    },
    chart: {
      cpu: 'Processeur',
      memory: 'Mémoire',
      disk: 'Disque',
      load: 'Charge',
      network: 'Réseau',
      messages: 'Messages',
      queue: 'En attente d’envoi',
      logins: 'Connexions échouées',
    },
    series: {
      cpu: 'Processeur',
      mem: 'Mémoire',
      disk: 'Disque',
      load1: 'Charge',
      net_rx: 'Entrant',
      net_tx: 'Sortant',
      messages_in: 'Reçus',
      messages_out: 'Envoyés',
      messages_rejected: 'Refusés',
      queue: 'File',
      logins_failed: 'Connexions échouées',
    },
    perBucket: '(par {{step}})',
    noData:
      'Pas encore de chiffres pour cette période : le serveur les enregistre toutes les quelques secondes.',
  },
  status: {
    alertEmails: {
      title: 'Alertes par e-mail',
      intro:
        'Votre serveur écrit lui-même à ces adresses quand un problème survient et quand il est réglé, même quand cet ordinateur est éteint.',
      label: 'Adresses (séparées par des virgules)',
      none: 'Aucune adresse pour l’instant : le serveur n’envoie pas d’alerte par e-mail.',
      save: 'Enregistrer',
      saved: 'Enregistré : les alertes partent vers {{to}}.',
      off: 'Enregistré : le serveur n’envoie plus d’alerte par e-mail.',
    },
    title: 'État',
    intro:
      'Tout ce que Facteur vérifie sur un serveur, de l’extérieur et de l’intérieur, avec quoi faire quand quelque chose ne va pas.',
    server: 'Serveur',
    noServers:
      'Ajoutez d’abord un serveur et installez-y le serveur de courrier : ses vérifications apparaîtront ici.',
    run: 'Vérifier de nouveau',
    running: 'Vérification…',
    ranAt: 'Vérifié à {{time}}.',
    summary: {
      ok: 'Tout ce qui a été vérifié va bien.',
      problems_one: '{{count}} point demande votre attention.',
      problems_other: '{{count}} points demandent votre attention.',
    },
    results: 'Vérifications d’état',
    state: { ok: 'OK', warn: 'Attention', fail: 'Problème', unknown: 'Inconnu' },
    checks: {
      portsIpv4: 'Ports de courrier en IPv4',
      portsIpv6: 'Ports de courrier en IPv6',
      roles: 'Services de courrier',
      dns: 'Enregistrements DNS',
      ptr: 'DNS inverse (PTR)',
      certificate: 'Certificat',
      blocklists: 'Listes de blocage',
      disk: 'Espace disque',
      memory: 'Mémoire',
      backups: 'Dernière sauvegarde',
      updates: 'Mises à jour du système',
      firewall: 'Pare-feu',
      sshPasswordLogin: 'Connexion SSH par mot de passe',
      docker: 'Docker',
      containers: 'Conteneurs',
    },
    messages: {
      portsIpv4: {
        open: 'Tous les ports de courrier répondent sur {{address}}.',
        closed: 'Depuis cet ordinateur, {{address}} refuse les connexions sur le(s) port(s) {{ports}}.',
        noIpv4: 'Non vérifié : {{reason}}.',
      },
      portsIpv6: {
        open: 'Tous les ports de courrier répondent sur {{address}}.',
        closed: 'Depuis cet ordinateur, {{address}} refuse les connexions sur le(s) port(s) {{ports}}.',
        noIpv6: 'Non vérifié : le serveur n’a pas d’adresse IPv6 publique.',
      },
      roles: {
        ok: 'Tous les services répondent ({{up}} sur {{total}}).',
        down: 'Arrêtés : {{roles}}. Le courrier qui en dépend échoue en attendant.',
        controlDown:
          'L’API de contrôle du serveur ne répond pas ({{error}}) : le conteneur d’administration est arrêté.',
      },
      dns: {
        ok: 'Tous les enregistrements de {{domain}} sont corrects.',
        wrong: 'Faux ou absents : {{records}}.',
        unchecked: 'Les enregistrements de {{domain}} n’ont pas pu être vérifiés : {{error}}',
      },
      ptr: {
        ok: 'Le DNS inverse de {{ip}} est {{expected}}.',
        wrong:
          'Le DNS inverse de {{ip}} devrait être {{expected}} ; il vaut {{found}}. Les grands fournisseurs se méfient du courrier d’une telle adresse.',
        unchecked: 'Le DNS inverse (PTR) n’a pas pu être vérifié.',
      },
      certificate: {
        ok: 'Valable jusqu’au {{notAfter}} ({{days}} jours) ; il se renouvelle tout seul.',
        expiring: 'Il expire dans {{days}} jours ({{notAfter}}) et n’a pas encore été renouvelé.',
        expired: 'Il a expiré le {{notAfter}} : les applications de courrier refusent de se connecter.',
        selfSigned:
          'Le serveur utilise encore son certificat provisoire : les applications de courrier afficheront un avertissement.',
        unread: 'Le serveur n’a pas dit quel certificat il utilise.',
      },
      blocklists: {
        clear: '{{ip}} ne figure sur aucune des {{total}} listes de blocage interrogées.',
        listed: '{{ip}} figure sur {{zones}} : le courrier vers beaucoup de fournisseurs sera refusé.',
        noAnswer: 'Pas de réponse exploitable de {{zones}} ; les autres ne listent pas {{ip}}.',
        publicResolver:
          'Les listes de blocage refusent les questions des résolveurs publics comme {{resolver}} : Facteur ne peut pas savoir si {{ip}} est listé.',
        noIpv4: 'Facteur ne connaît pas l’adresse IPv4 du serveur.',
      },
      disk: {
        ok: 'Le disque est plein à {{percent}} % ({{free}} libres).',
        tight: 'Le disque est plein à {{percent}} % ({{free}} libres).',
        full: 'Le disque est plein à {{percent}} % ({{free}} libres) : le courrier sera bientôt refusé.',
        unread: 'Le serveur n’a pas dit à quel point son disque est plein.',
      },
      memory: {
        ok: '{{percent}} % de la mémoire est utilisée.',
        tight: '{{percent}} % de la mémoire est utilisée.',
        full: '{{percent}} % de la mémoire est utilisée : le serveur risque d’arrêter des services pour tenir.',
        unread: 'Le serveur n’a pas dit combien de mémoire il utilise.',
      },
      backups: {
        off: 'Les sauvegardes sont désactivées : rien ne protège le courrier de ce serveur d’un disque perdu.',
        none: 'Aucune sauvegarde n’a encore été faite.',
        failed: 'La dernière sauvegarde a échoué : {{error}}.',
        missed:
          'La dernière bonne sauvegarde date de {{hours}} heures : les sauvegardes planifiées ne se font pas.',
        ok: 'La dernière sauvegarde date de {{hours}} heures.',
        unread: 'Facteur n’a pas pu lire l’état des sauvegardes ({{error}}).',
      },
      updates: {
        none: 'Le système est à jour (d’après sa dernière liste de paquets).',
        some: '{{count}} mise(s) à jour en attente, aucune de sécurité.',
        security: '{{security}} mise(s) à jour de sécurité en attente : {{packages}}.',
        noApt: 'Ce serveur n’utilise pas apt : Facteur ne peut pas compter ses mises à jour.',
        unread: 'apt n’a pas dit quelles mises à jour attendent ({{error}}).',
      },
      firewall: {
        ok: 'Le pare-feu est actif et laisse passer les ports de courrier.',
        noUfw: 'Le serveur n’a pas de pare-feu ufw ; celui de votre hébergeur est peut-être le seul.',
        inactive:
          'Le pare-feu (ufw) est installé mais inactif : tout port ouvert par le serveur est joignable.',
        portsBlocked: 'Le pare-feu est actif mais bloque le(s) port(s) de courrier {{ports}}.',
      },
      sshPasswordLogin: {
        ok: 'SSH n’accepte que des clés : aucun mot de passe à deviner.',
        enabled:
          'SSH accepte encore les mots de passe, que des robots essaient de deviner à longueur de journée.',
        unread: 'Facteur n’a pas pu lire les réglages du serveur SSH.',
      },
      docker: {
        ok: 'Docker {{value}} fonctionne.',
        down: 'Docker ne répond pas sur le serveur ({{error}}).',
      },
      containers: {
        ok: 'Tous les conteneurs tournent, aucun n’a dû être redémarré.',
        stopped: 'Arrêtés : {{containers}}.',
        restarted: 'Docker a dû redémarrer des conteneurs après un plantage : {{containers}}.',
        none: 'Les conteneurs du serveur de courrier ont disparu de ce serveur.',
        unread: 'Docker n’a pas listé les conteneurs.',
      },
    },
    fixes: {
      portsIpv4: {
        closed:
          'Ouvrez ces ports dans le pare-feu de votre hébergeur (son panneau de contrôle) et dans ufw ; si un service est arrêté, la vérification Services de courrier dit lequel.',
      },
      portsIpv6: {
        closed: 'Ouvrez ces ports en IPv6 dans le pare-feu de votre hébergeur et dans ufw.',
        noIpv6:
          'Facultatif : demandez une adresse IPv6 à votre hébergeur, puis redéployez et publiez son enregistrement AAAA.',
      },
      roles: {
        down: 'Relancez le serveur de courrier : redéployez depuis Facteur (il redémarre ce qui est arrêté), ou faites « docker start » du conteneur sur le serveur.',
        controlDown:
          'Relancez-le : redéployez depuis Facteur, ou lancez « docker start facteur-admin » sur le serveur.',
      },
      dns: {
        wrong: 'Ouvrez la page DNS : elle montre chaque valeur attendue et peut les publier pour vous.',
        unchecked:
          'Vérifiez que le domaine est enregistré et que ses serveurs de noms répondent ; la page DNS montre chaque enregistrement à créer.',
      },
      ptr: {
        wrong:
          'Réglez le DNS inverse (PTR) de {{ip}} sur {{expected}} dans le panneau de contrôle de votre hébergeur.',
      },
      certificate: {
        expired:
          'Demandez un nouveau certificat depuis la page Installation (étape 6) ; vérifiez que le port 80 est ouvert et que le DNS pointe vers le serveur.',
        expiring:
          'Le renouvellement aurait déjà dû avoir lieu : redemandez un certificat depuis la page Installation et lisez la raison affichée.',
        selfSigned: 'Demandez un vrai certificat depuis la page Installation (étape 6).',
        unread: 'Relancez le conteneur d’administration, puis vérifiez de nouveau.',
      },
      blocklists: {
        listed:
          'Cherchez la raison sur le site de la liste (il la donne, avec un formulaire de retrait), corrigez la cause (relais ouvert, boîte piratée), puis demandez le retrait.',
        noAnswer: 'Vérifiez de nouveau plus tard, ou cherchez l’adresse sur le site de la liste.',
        publicResolver:
          'Utilisez sur cet ordinateur le résolveur de votre fournisseur d’accès, ou cherchez l’adresse sur le site de chaque liste (par ex. check.spamhaus.org).',
      },
      disk: {
        tight: 'Prévoyez plus de place : un disque plus grand, ou des quotas de boîtes plus petits.',
        full: 'Libérez de la place (anciennes sauvegardes, journaux, images Docker inutilisées) ou agrandissez le disque du serveur.',
      },
      memory: {
        tight: 'Surveillez-la ; une offre avec plus de mémoire laisse de la marge les jours chargés.',
        full: 'Arrêtez d’autres programmes sur le serveur, ou passez à une offre avec plus de mémoire.',
      },
      backups: {
        off: 'Activez-les depuis la page Sauvegardes.',
        none: 'Sauvegardez maintenant depuis la page Sauvegardes, ou attendez la première sauvegarde planifiée.',
        failed:
          'Ouvrez la page Sauvegardes : vérifiez que le stockage est joignable, puis sauvegardez maintenant.',
        missed: 'Vérifiez que le serveur fonctionne et sauvegardez maintenant depuis la page Sauvegardes.',
      },
      updates: {
        security:
          'Installez-les : lancez « apt-get update && apt-get upgrade » en root sur le serveur (ou activez unattended-upgrades).',
        noApt: 'Mettez le système à jour de temps en temps avec son propre gestionnaire de paquets.',
        unread:
          'Vérifiez de nouveau dans un moment ; si cela continue, lancez « apt-get -s upgrade » sur le serveur pour voir pourquoi.',
      },
      firewall: {
        noUfw:
          'Installez ufw (« apt-get install ufw »), puis redéployez : Facteur ouvre d’abord SSH, puis seulement les ports de courrier.',
        inactive:
          'Redéployez depuis Facteur : il autorise d’abord SSH, puis les ports de courrier, et active ufw.',
        portsBlocked: 'Autorisez-les (« ufw allow PORT/tcp » pour chacun), ou redéployez depuis Facteur.',
      },
      sshPasswordLogin: {
        enabled:
          'Assurez-vous de vous connecter avec une clé (Facteur le fait), puis mettez « PasswordAuthentication no » et « KbdInteractiveAuthentication no » dans /etc/ssh/sshd_config et redémarrez SSH.',
        unread: 'Vérifiez à la main que /etc/ssh/sshd_config contient « PasswordAuthentication no ».',
      },
      docker: {
        down: 'Démarrez-le sur le serveur (« systemctl start docker » ou « service docker start ») ; le serveur de courrier démarre avec lui.',
      },
      containers: {
        stopped: 'Relancez-le : « docker start » sur le serveur, ou redéployez depuis Facteur.',
        restarted:
          'Lisez les journaux du conteneur sur le serveur (« docker logs ») pour en connaître la raison ; signalez-le si cela continue.',
        none: 'Redéployez depuis Facteur : vos données dans /var/lib/facteur sont conservées.',
      },
    },
    alerts: {
      title: 'Alertes',
      none: 'Aucune alerte depuis le démarrage de Facteur. Facteur surveille vos serveurs tant qu’il tourne et vous prévient une fois par changement.',
      kinds: {
        roleDown: {
          title: '{{server}} : service de courrier arrêté',
          body: 'Arrêtés : {{roles}}. Voyez les vérifications ci-dessus pour savoir quoi faire.',
        },
        roleRecovered: {
          title: '{{server}} : service de courrier rétabli',
          body: 'Tous les services répondent de nouveau.',
        },
        diskFull: {
          title: '{{server}} : disque presque plein',
          body: 'Le disque est plein à {{percent}} %. Libérez de la place avant que le courrier soit refusé.',
        },
        diskRecovered: {
          title: '{{server}} : place disque retrouvée',
          body: 'Le disque est plein à {{percent}} %.',
        },
        certificateExpiring: {
          title: '{{server}} : le certificat expire bientôt',
          body: 'Le certificat expire dans {{days}} jours et n’a pas été renouvelé. Redemandez-en un depuis la page Installation.',
        },
        certificateRenewed: {
          title: '{{server}} : certificat renouvelé',
          body: 'Le certificat est valable encore {{days}} jours.',
        },
        blocklisted: {
          title: '{{server}} : inscrit sur une liste de blocage',
          body: '{{ip}} figure sur {{zones}}. Le courrier vers beaucoup de fournisseurs sera refusé.',
        },
        delisted: { title: '{{server}} : retiré des listes de blocage', body: '{{ip}} n’y figure plus.' },
      },
    },
  },
  backups: {
    title: 'Sauvegardes',
    intro:
      'Votre serveur se sauvegarde lui-même, chiffré avec une clé gardée sur cet ordinateur : selon son calendrier même quand Facteur est fermé, et chaque fois que vous le demandez. Ouvrez une sauvegarde pour voir ce qu’elle contient, et ramenez une boîte aux lettres ou tout le serveur.',
    server: 'Serveur',
    noServer: 'Ajoutez d’abord un serveur et installez-y Facteur : ses sauvegardes se règlent ici.',
    status: {
      title: 'État des sauvegardes',
      off: 'Les sauvegardes sont désactivées : rien de ce serveur n’est encore gardé ailleurs. Activez-les ci-dessous.',
      paused:
        'Les sauvegardes sont désactivées : aucune nouvelle sauvegarde n’est faite. Celles déjà faites sont gardées et peuvent toujours être restaurées.',
      never:
        'Les sauvegardes sont activées ; aucune n’a encore été faite. La première se fera à l’heure prévue, ou tout de suite avec « Sauvegarder maintenant ».',
      running: 'Une sauvegarde est en cours sur le serveur.',
      ok: 'Dernière sauvegarde : {{when}}.',
      next: 'Prochaine : {{when}}.',
      failed: 'La dernière sauvegarde, le {{when}}, a échoué : {{error}}',
      failedFix:
        'Vérifiez que l’emplacement des sauvegardes est joignable et qu’il reste de la place (réglages ci-dessous), puis appuyez sur « Sauvegarder maintenant ». Les sauvegardes précédentes sont toujours là.',
      lastGood: 'La dernière bonne sauvegarde date du {{when}}.',
      noGood: 'Il n’y a encore aucune bonne sauvegarde.',
      noKey:
        'Cet ordinateur n’a pas la clé de sauvegarde de ce serveur : enregistrez à nouveau les réglages ci-dessous pour en créer une, ou importez le kit de récupération qui la contient.',
    },
    settings: {
      title: 'Réglages',
      enable: 'Activer les sauvegardes',
      save: 'Enregistrer les réglages',
      saving: 'Enregistrement…',
      saved: 'Enregistré. Les sauvegardes sont activées.',
      savedOff: 'Enregistré. Les sauvegardes sont désactivées ; celles déjà faites sont gardées.',
      enabled: 'Faire les sauvegardes selon le calendrier',
      enabledHelp:
        'Décoché, le serveur ne fait plus de nouvelle sauvegarde (et n’en signale aucune manquée) ; celles déjà faites restent listées et peuvent être restaurées.',
      keyNote:
        'Les sauvegardes sont chiffrées avec une clé créée sur cet ordinateur et gardée dans le coffre de Facteur ; le serveur en garde une copie pour sauvegarder sans Facteur. Conservez votre kit de récupération : sans la clé, aucune sauvegarde ne peut être ouverte.',
      where: 'Où vont les sauvegardes',
      target: {
        local: 'Sur ce serveur',
        localHelp:
          'Rapide à restaurer, mais perdu avec le serveur : gardez aussi une copie sur cet ordinateur, ou choisissez un autre emplacement.',
        sftp: 'Un autre ordinateur (SFTP)',
        sftpHelp:
          'Toute machine où l’on se connecte en SSH, comme un second serveur ou un espace de stockage.',
        s3: 'Stockage compatible S3',
        s3Help: 'Amazon S3, Backblaze B2, Wasabi, MinIO ou tout stockage parlant le protocole S3.',
      },
      sftp: {
        host: 'Adresse de l’autre ordinateur',
        port: 'Port SSH',
        user: 'Utilisateur',
        path: 'Dossier',
        pathHelp: 'Un chemin absolu, par exemple /srv/backups/mail.',
        privateKey: 'Clé privée avec laquelle le serveur se connecte',
        privateKeyHelp: 'Au format OpenSSH. Sa moitié publique va dans ~/.ssh/authorized_keys là-bas.',
        knownHosts: 'Identité de l’autre ordinateur (ligne known_hosts)',
        knownHostsHelp: 'Le résultat de « ssh-keyscan ADRESSE » : le serveur refuse toute autre identité.',
        keptSecret: 'Enregistrée : laissez vide pour la garder.',
      },
      s3: {
        endpoint: 'Adresse du stockage',
        endpointHelp: 'Par exemple https://s3.eu-central-1.amazonaws.com',
        bucket: 'Bucket',
        prefix: 'Dossier dans le bucket (facultatif)',
        region: 'Région',
        accessKeyId: 'Clé d’accès',
        secretAccessKey: 'Clé secrète',
        keptSecret: 'Enregistrée : laissez vide pour la garder.',
      },
      when: 'Quand',
      daily: 'Chaque jour à',
      dailyTime: 'Heure de la sauvegarde quotidienne',
      every: 'Toutes les',
      everyHours: 'Heures entre deux sauvegardes',
      hours: 'heures',
      keep: 'Combien en garder',
      keepHelp:
        'Les plus récentes sont toujours gardées (deux faites le même jour restent toutes deux) ; les sauvegardes plus anciennes sont supprimées au-delà de ces nombres.',
      keepLast: 'Les plus récentes',
      keepDaily: 'Quotidiennes',
      keepWeekly: 'Hebdomadaires',
      keepMonthly: 'Mensuelles',
      laptopCopy: 'Garder une copie sur cet ordinateur',
      laptopCopyHelp:
        'Facteur rapatrie les nouvelles parties des sauvegardes sur cet ordinateur : une copie qui survit à la perte du serveur et de l’emplacement des sauvegardes.',
    },
    run: {
      title: 'Sauvegarder maintenant',
      button: 'Sauvegarder maintenant',
      running: 'Sauvegarde en cours…',
      progressLabel: 'Avancement de la sauvegarde',
      done: 'Terminé : {{size}} sauvegardés, dont {{added}} de nouveau depuis la sauvegarde précédente, en {{duration}}.',
      verified: 'La sauvegarde a été relue et vérifiée.',
      notVerified: 'La sauvegarde est écrite mais n’a pas encore pu être vérifiée.',
      failed: 'La sauvegarde s’est arrêtée.',
      download: 'Mettre à jour la copie sur cet ordinateur',
      downloading: 'Copie en cours…',
      downloadLabel: 'Copie vers cet ordinateur',
      downloaded:
        'La copie sur cet ordinateur est à jour ({{size}} en {{files}} fichiers, dont {{new}} rapatriés maintenant) : {{path}}',
      laptopCopy: 'Copie sur cet ordinateur : {{size}}, mise à jour le {{when}}.',
    },
    phase: {
      starting: 'Démarrage',
      staging: 'Rassemblement des fichiers',
      uploading: 'Enregistrement de ce qui a changé',
      checking: 'Vérification de la sauvegarde',
      pruning: 'Suppression des sauvegardes trop anciennes',
      restoring: 'Remise en place des fichiers',
      done: 'Terminé',
    },
    step: {
      backup: 'Sauvegarde',
      restore: 'Remise en place des fichiers',
      stop: 'Mise en pause des services de courriel',
      init: 'Préparation des données restaurées',
      health: 'Redémarrage des services de courriel',
      download: 'Copie vers cet ordinateur',
      upload: 'Envoi de la copie de cet ordinateur vers le serveur',
    },
    percent: '{{percent}} %',
    list: {
      title: 'Sauvegardes',
      empty: 'Aucune sauvegarde pour l’instant.',
      date: 'Date',
      size: 'Taille',
      added: 'Nouveau',
      mailboxes: 'Boîtes',
      checked: 'Vérifiée',
      verified: 'Vérifiée',
      notVerified: 'Non vérifiée',
      open: 'Voir ce que contient la sauvegarde du {{date}}',
    },
    contents: {
      title: 'Contenu de la sauvegarde du {{date}}',
      mailboxes: 'Boîtes aux lettres',
      address: 'Adresse',
      size: 'Taille',
      noMailbox: 'Aucune boîte aux lettres dans cette sauvegarde.',
      domains: 'Domaines',
      noDomain: 'Aucun domaine dans cette sauvegarde.',
      other: 'Contient aussi',
      always: 'La configuration, les certificats et les clés DKIM',
      names: {
        'configuration database (domains, mailboxes, aliases, settings)':
          'la base de configuration (domaines, boîtes aux lettres, alias, réglages)',
        'mail waiting to be delivered or filed (sealed)':
          'le courriel en attente de distribution ou de rangement (scellé)',
        'DKIM keys and certificates': 'les clés DKIM et les certificats',
      },
    },
    restore: {
      title: 'Restaurer depuis cette sauvegarde',
      what: 'Que restaurer',
      mailbox: 'Une boîte aux lettres',
      mailboxSelect: 'Boîte aux lettres à restaurer',
      server: 'Tout le serveur',
      onto: 'Restaurer sur',
      thisServer: '{{name}} (ce serveur)',
      otherServer: '{{name}} (un autre serveur)',
      newServerHelp:
        'Pour passer à un nouveau serveur, ajoutez-le dans la page Serveurs et installez-y Facteur (Installation), puis choisissez-le ici.',
      from: 'Restaurer depuis',
      fromTarget: 'L’emplacement des sauvegardes',
      fromLaptop: 'La copie sur cet ordinateur',
      needsLaptopCopy:
        '{{server}} garde ses sauvegardes sur lui-même : un autre serveur ne peut donc être restauré qu’à partir de la copie sur cet ordinateur. Activez « Garder une copie sur cet ordinateur » dans les réglages et mettez d’abord la copie à jour.',
      review: 'Restaurer…',
      confirmTitle: 'Avant de restaurer',
      confirmMailbox:
        'La boîte {{address}} sur {{server}} revient à son état du {{date}} : les messages, agendas et contacts arrivés ou modifiés depuis n’y sont plus. Les autres boîtes ne sont pas touchées.',
      confirmServer:
        'Tout ce qui est sur {{server}} — boîtes aux lettres, domaines, alias, réglages, clés DKIM et certificats — revient à son état du {{date}}. Ce qui est arrivé ou a changé depuis n’y est plus.',
      confirmNew:
        'Tout le contenu de la sauvegarde de {{source}} du {{date}} — boîtes aux lettres, domaines, alias, réglages, clés DKIM et certificats — est installé sur {{server}}, à la place de ce qu’il contient. Ensuite, vos enregistrements DNS devront pointer vers {{server}} : Facteur indique lesquels changer.',
      keptAside:
        'Rien n’est perdu : ce que la restauration remplace est mis de côté sur {{server}}, dans un dossier portant la date du jour.',
      pause:
        'Les services de courriel de {{server}} s’interrompent pendant l’opération (en général quelques minutes). Le courriel qui vous est envoyé entre-temps attend chez l’expéditeur et arrive ensuite.',
      confirm: 'Oui, restaurer',
      running: 'Restauration…',
      progressLabel: 'Avancement de la restauration',
      failed:
        'La restauration s’est arrêtée. Ce qui était là avant est toujours en place ou mis de côté sur le serveur.',
      done: 'Restauré depuis la sauvegarde du {{date}} en {{duration}}.',
      doneAside: 'Ce qui a été remplacé est gardé sur le serveur dans {{path}}.',
    },
    verify: {
      title: 'Vérification des boîtes restaurées',
      intro:
        'Chaque boîte a été ouverte avec la clé de récupération de cet ordinateur et comptée : comparez avec ce que vous attendez.',
      running: 'Ouverture et comptage de chaque boîte…',
      address: 'Boîte aux lettres',
      messages: 'Messages',
      events: 'Événements d’agenda',
      contacts: 'Contacts',
      state: 'État',
      sound: 'Intacte',
      damaged: 'Abîmée : {{detail}}',
      again: 'Compter à nouveau',
    },
    dns: {
      title: 'Enregistrements DNS à changer',
      intro:
        'Votre courriel est désormais sur {{server}}. Changez ces enregistrements chez votre fournisseur DNS pour que le courriel et les applications le trouvent (le DNS inverse se règle chez votre hébergeur).',
      none: 'Aucun enregistrement DNS ne change : le nouveau serveur a les mêmes adresses.',
      type: 'Type',
      name: 'Nom',
      from: 'Actuel',
      to: 'À remplacer par',
      open: 'Ouvrir la page DNS pour {{server}}',
    },
  },
  updates: {
    title: 'Mises à jour',
    intro:
      'La version que votre serveur fait tourner, ce que la suivante change, et des mises à jour qui sauvegardent d’abord et remettent seules la version précédente si la nouvelle ne démarre pas.',
    server: 'Serveur',
    noServer: 'Ajoutez d’abord un serveur.',
    versions: {
      title: 'Versions',
      running: 'Sur le serveur',
      none: 'rien d’installé pour l’instant',
      available: { bundled: 'Dans cette copie de Facteur', registry: 'Dans votre registre' },
      changes: 'Ce qui change',
    },
    upgrade: {
      explain:
        'Facteur sauvegarde d’abord, n’envoie que ce qui manque au serveur, puis remplace les services un par un, celui qui reçoit le courrier en dernier. Si un service n’est pas en bonne santé à temps, la version précédente revient d’elle-même. Le courrier envoyé entre-temps attend chez l’expéditeur et arrive.',
      button: 'Passer à la version {{version}}',
      running: 'Mise à jour…',
      upToDate: 'À jour',
      failed: 'La mise à jour s’est arrêtée.',
    },
    step: {
      backup: 'Sauvegarde',
      image: 'Envoi de la nouvelle version',
      'config-copy': 'Copie de la configuration',
      init: 'Mise à jour de la configuration',
      replace: 'Remplacement des services un par un',
      rollback: 'Retour à la version précédente',
      done: 'Terminé',
    },
    outcome: {
      upgraded: 'Votre serveur fait tourner la version {{to}} (depuis {{from}}, en {{duration}}).',
      'up-to-date': 'Votre serveur fait déjà tourner la version {{to}}.',
      'rolled-back':
        'La version {{to}} n’a pas démarré correctement : votre serveur fait de nouveau tourner {{from}}, sans perte de courrier.',
      noBackup: 'Aucune sauvegarde préalable : les sauvegardes ne sont pas activées pour ce serveur.',
    },
    os: {
      title: 'Mises à jour de sécurité du système du serveur',
      explain:
        'Debian installe seul ses mises à jour de sécurité chaque jour (unattended-upgrades). Facteur installe l’outil quand vous activez ceci.',
      toggle: 'Installer automatiquement les mises à jour de sécurité',
      applying: 'Application…',
      notInstalled: 'unattended-upgrades n’est pas encore installé sur ce serveur.',
    },
    auto: {
      title: 'Mises à jour automatiques',
      enable:
        'Mettre à jour le serveur de courrier automatiquement quand cette copie de Facteur a une version plus récente',
      window: 'Heure quotidienne',
      windowHelp: 'À partir de cette heure (horloge de cet ordinateur), tant que Facteur est ouvert.',
      registry: 'Image d’un registre (facultatif)',
      registryHelp:
        'Laissez vide pour utiliser l’image fournie avec Facteur. Avec une référence d’image, le serveur la télécharge à la place.',
      save: 'Enregistrer',
      saved: 'Enregistré.',
    },
  },
  placeholder: {
    title: '{{section}}',
    text: 'Cette partie de Facteur arrive dans une prochaine version. Ajoutez d’abord un serveur : tout part de lui.',
  },
  settings: {
    title: 'Réglages',
    language: 'Langue',
    theme: 'Apparence',
    themeSystem: 'Suivre le système',
    themeLight: 'Clair',
    themeDark: 'Sombre',
    version: 'Facteur {{version}} ({{runtime}})',
    kit: {
      title: 'Kit de récupération',
      intro:
        'Perdre son ordinateur ne doit pas faire perdre l’accès. Le kit de récupération est un fichier qui contient tout ce que Facteur garde secret — les clés SSH, les clés de chaque serveur de courriel, les clés de récupération des boîtes, les clés de sauvegarde — et la liste de vos serveurs, verrouillé par une phrase de passe de votre choix. Avec le fichier et la phrase, Facteur sur un nouvel ordinateur reprend là où celui-ci s’est arrêté.',
      exportTitle: 'Créer un kit de récupération',
      passphraseHelp:
        'Choisissez une phrase de passe d’au moins 12 caractères : quelques mots sans rapport entre eux sont faciles à retenir et difficiles à deviner. Personne ne pourra la retrouver pour vous : sans elle, le fichier ne s’ouvre pas.',
      passphrase: 'Phrase de passe',
      confirm: 'Phrase de passe, encore',
      mismatch: 'Les deux phrases de passe diffèrent.',
      export: 'Créer et enregistrer le kit',
      exporting: 'Verrouillage du kit…',
      exported:
        '{{file}} est enregistré. Gardez-le loin de cet ordinateur (clé USB, autre nuage) et imprimez la fiche ci-dessous.',
      print: 'Imprimer la fiche',
      saveAgain: 'Enregistrer le kit à nouveau',
      saveSheet: 'Enregistrer la fiche (HTML)',
      importTitle: 'Importer un kit de récupération',
      importHelp:
        'Sur un nouvel ordinateur : choisissez le fichier du kit et tapez sa phrase de passe. Rien ne change tant que la phrase n’ouvre pas un fichier intact.',
      file: 'Fichier du kit',
      import: 'Importer',
      importing: 'Ouverture du kit…',
      imported: 'Le kit créé le {{date}} est importé :',
      outcome: {
        added: '{{what}} : ajouté.',
        updated: '{{what}} : remplacé par la version plus récente du kit.',
        kept: '{{what}} : celui de cet ordinateur est plus récent, il est gardé.',
        unchanged: '{{what}} : déjà présent.',
      },
      kind: {
        server: 'Serveur {{subject}}',
        'ssh-key': 'Clé SSH de {{subject}}',
        'control-access': 'Accès au serveur de courriel de {{subject}}',
        'recovery-key': 'Clé de récupération des boîtes de {{subject}}',
        'backup-key': 'Clé de sauvegarde de {{subject}}',
        'backup-settings': 'Réglages de sauvegarde de {{subject}}',
        'dns-secret': 'Clé de mise à jour DNS de {{subject}}',
        setting: 'Réglage {{subject}}',
      },
      sheet: {
        title: 'Fiche de récupération Facteur',
        intro:
          'Créée le {{date}}. Rangez-la en lieu sûr, loin de votre ordinateur. Avec le fichier du kit et sa phrase de passe, un nouvel ordinateur retrouve l’accès à vos serveurs ; avec cette fiche seule, vos sauvegardes restent lisibles.',
        file: 'Fichier du kit',
        sha256: 'Son SHA-256',
        passphrase: 'Phrase de passe du kit (à écrire à la main) :',
        noServers: 'Aucun serveur n’était dans Facteur quand cette fiche a été créée.',
        address: 'Adresse (SSH)',
        fingerprint: 'Empreinte de la clé d’hôte',
        backupLocation: 'Les sauvegardes sont dans',
        unknownLocation: 'inconnu sur cet ordinateur',
        backupKey: 'Clé de sauvegarde',
        noBackupKey: 'les sauvegardes n’ont pas été activées depuis cet ordinateur',
        howTo:
          'Pour importer : Facteur, Réglages, Kit de récupération, Importer. Pour lire une sauvegarde sans Facteur : restic -r EMPLACEMENT snapshots, avec la clé de sauvegarde comme mot de passe du dépôt.',
      },
    },
  },
  errors: {
    title: 'Un problème est survenu',
    VALIDATION: 'Vérifiez ce que vous avez saisi : {{field}}.',
    NOT_FOUND: 'Facteur ne trouve plus cet élément.',
    UNREACHABLE:
      'Facteur n’a pas pu joindre {{host}}. Vérifiez l’adresse, le port, et que le serveur est allumé.',
    TIMEOUT: 'Le serveur a mis trop de temps à répondre. Réessayez dans un instant.',
    AUTH_FAILED:
      '{{host}} n’a pas accepté cette connexion pour « {{user}} ». Vérifiez le nom d’utilisateur et la clé ou le mot de passe.',
    HOST_KEY_CHANGED:
      'L’identité de {{host}} a changé. Facteur attendait {{expected}} mais le serveur a présenté {{actual}}. Quelqu’un intercepte peut-être la connexion, ou le serveur a été réinstallé. Facteur n’a rien envoyé.',
    HOST_KEY_UNCONFIRMED: 'L’identité du serveur n’a pas été confirmée : rien n’a été enregistré.',
    KEY_INVALID: 'Cette clé privée ne peut pas être utilisée. {{detail}}',
    COMMAND_FAILED: 'Le serveur n’a pas pu faire ce que Facteur demandait.',
    VAULT_LOCKED: 'Facteur ne peut pas ouvrir son coffre sur cet ordinateur.',
    DNS_UPDATE_REFUSED: 'Le serveur DNS {{server}} a refusé de modifier {{zone}} ({{rcode}}).',
    DISK_FULL:
      'Le serveur n’a pas assez d’espace disque libre ({{detail}}). Libérez de la place ou agrandissez le disque, puis réessayez : rien n’a été écrit à moitié.',
    SUDO_PASSWORD_NEEDED:
      'Facteur a besoin du mot de passe administrateur (sudo) de ce serveur : saisissez-le à l’étape 2.',
    NOT_DEPLOYED: 'Facteur n’est pas encore installé sur ce serveur.',
    BACKUPS_OFF: 'Les sauvegardes ne sont pas configurées pour ce serveur sur cet ordinateur. {{detail}}',
    BACKUP_INVALID:
      'Cette sauvegarde est inutilisable : elle est abîmée ou incomplète, ou la clé de sauvegarde ne l’ouvre pas. Rien n’a été modifié. {{detail}}',
    PASSPHRASE_WEAK:
      'Cette phrase de passe est trop facile à deviner : prenez au moins {{min}} caractères, sans suite de touches ni mot courant (quelques mots sans rapport entre eux conviennent bien).',
    PASSPHRASE_MISMATCH:
      'Les deux phrases de passe diffèrent : tapez deux fois la même. Rien n’a été exporté.',
    KIT_WRONG_PASSPHRASE:
      'Cette phrase de passe n’ouvre pas le kit de récupération : rien n’a été importé. Vérifiez-la lettre par lettre (majuscules, accents, espaces).',
    KIT_DAMAGED:
      'Ce fichier de kit de récupération est abîmé ou incomplet, donc rien n’a été importé. Utilisez une autre copie du fichier.',
    INTERNAL: 'Un imprévu est survenu.',
  },
};
