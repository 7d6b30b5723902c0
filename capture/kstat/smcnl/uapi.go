package smcnl

// Attribute numbers of the SMC generic netlink families, named after and
// numbered as the kernel's UAPI header include/uapi/linux/smc.h (enums of
// SMC_GEN_*, SMC_NLA_*; checked against Linux 6.12). The C enums start at 0
// (the UNSPEC/PAD entry) unless noted. Kernels only ever append to these
// enums, so a number never changes meaning; attributes an older kernel lacks
// are simply absent.

// SMC_GENL_FAMILY top-level attributes (SMC_GEN_*).
const (
	smcGenSysInfo    = 1 // SMC_GEN_SYS_INFO, nest
	smcGenLgrSMCR    = 2 // SMC_GEN_LGR_SMCR, nest
	smcGenLinkSMCR   = 3 // SMC_GEN_LINK_SMCR, nest
	smcGenLgrSMCD    = 4 // SMC_GEN_LGR_SMCD, nest
	smcGenDevSMCD    = 5 // SMC_GEN_DEV_SMCD, nest
	smcGenDevSMCR    = 6 // SMC_GEN_DEV_SMCR, nest
	smcGenStats      = 7 // SMC_GEN_STATS, nest
	smcGenFbackStats = 8 // SMC_GEN_FBACK_STATS, nest
)

// SMC_GEN_SYS_INFO attributes.
const (
	smcNLASysVer       = 1 // SMC_NLA_SYS_VER, u8
	smcNLASysRel       = 2 // SMC_NLA_SYS_REL, u8
	smcNLASysIsISMV2   = 3 // SMC_NLA_SYS_IS_ISM_V2, u8
	smcNLASysLocalHost = 4 // SMC_NLA_SYS_LOCAL_HOST, string
	smcNLASysSEID      = 5 // SMC_NLA_SYS_SEID, string
	smcNLASysIsSMCRV2  = 6 // SMC_NLA_SYS_IS_SMCR_V2, u8 (5.16)
)

// SMC_NLA_LGR_R_V2_COMMON and SMC_NLA_LGR_D_V2_COMMON nested attributes
// (this enum has no UNSPEC entry: it starts at 0).
const (
	smcNLALgrV2Ver      = 0 // SMC_NLA_LGR_V2_VER, u8
	smcNLALgrV2Rel      = 1 // SMC_NLA_LGR_V2_REL, u8
	smcNLALgrV2OS       = 2 // SMC_NLA_LGR_V2_OS, u8
	smcNLALgrV2NegEID   = 3 // SMC_NLA_LGR_V2_NEG_EID, string
	smcNLALgrV2PeerHost = 4 // SMC_NLA_LGR_V2_PEER_HOST, string
)

// SMC_NLA_LGR_R_V2 nested attributes.
const (
	smcNLALgrRV2Direct   = 1 // SMC_NLA_LGR_R_V2_DIRECT, u8
	smcNLALgrRV2MaxConns = 2 // SMC_NLA_LGR_R_V2_MAX_CONNS, u8
	smcNLALgrRV2MaxLinks = 3 // SMC_NLA_LGR_R_V2_MAX_LINKS, u8
)

// SMC_GEN_LGR_SMCR attributes.
const (
	smcNLALgrRID        = 1 // SMC_NLA_LGR_R_ID, u32
	smcNLALgrRRole      = 2 // SMC_NLA_LGR_R_ROLE, u8
	smcNLALgrRType      = 3 // SMC_NLA_LGR_R_TYPE, u8
	smcNLALgrRPNETID    = 4 // SMC_NLA_LGR_R_PNETID, string
	smcNLALgrRVLANID    = 5 // SMC_NLA_LGR_R_VLAN_ID, u8
	smcNLALgrRConnsNum  = 6 // SMC_NLA_LGR_R_CONNS_NUM, u32
	smcNLALgrRV2Common  = 7 // SMC_NLA_LGR_R_V2_COMMON, nest
	smcNLALgrRV2        = 8 // SMC_NLA_LGR_R_V2, nest
	smcNLALgrRNetCookie = 9 // SMC_NLA_LGR_R_NET_COOKIE, u64
	// 10 is SMC_NLA_LGR_R_PAD (alignment of the u64 cookie)
	smcNLALgrRBufType     = 11 // SMC_NLA_LGR_R_BUF_TYPE, u8
	smcNLALgrRSndbufAlloc = 12 // SMC_NLA_LGR_R_SNDBUF_ALLOC, uint
	smcNLALgrRRMBAlloc    = 13 // SMC_NLA_LGR_R_RMB_ALLOC, uint
)

// SMC_GEN_LINK_SMCR attributes.
const (
	smcNLALinkID      = 1  // SMC_NLA_LINK_ID, u8
	smcNLALinkIBDev   = 2  // SMC_NLA_LINK_IB_DEV, string
	smcNLALinkIBPort  = 3  // SMC_NLA_LINK_IB_PORT, u8
	smcNLALinkGID     = 4  // SMC_NLA_LINK_GID, string
	smcNLALinkPeerGID = 5  // SMC_NLA_LINK_PEER_GID, string
	smcNLALinkConnCnt = 6  // SMC_NLA_LINK_CONN_CNT, u32
	smcNLALinkNetDev  = 7  // SMC_NLA_LINK_NET_DEV, u32
	smcNLALinkUID     = 8  // SMC_NLA_LINK_UID, u32
	smcNLALinkPeerUID = 9  // SMC_NLA_LINK_PEER_UID, u32
	smcNLALinkState   = 10 // SMC_NLA_LINK_STATE, u32
)

// SMC_GEN_LGR_SMCD attributes.
const (
	smcNLALgrDID       = 1 // SMC_NLA_LGR_D_ID, u32
	smcNLALgrDGID      = 2 // SMC_NLA_LGR_D_GID, u64
	smcNLALgrDPeerGID  = 3 // SMC_NLA_LGR_D_PEER_GID, u64
	smcNLALgrDVLANID   = 4 // SMC_NLA_LGR_D_VLAN_ID, u8
	smcNLALgrDConnsNum = 5 // SMC_NLA_LGR_D_CONNS_NUM, u32
	smcNLALgrDPNETID   = 6 // SMC_NLA_LGR_D_PNETID, string
	smcNLALgrDCHID     = 7 // SMC_NLA_LGR_D_CHID, u16 in the header, u32 on the wire
	// 8 is SMC_NLA_LGR_D_PAD (alignment of the u64 GIDs)
	smcNLALgrDV2Common    = 9  // SMC_NLA_LGR_D_V2_COMMON, nest
	smcNLALgrDExtGID      = 10 // SMC_NLA_LGR_D_EXT_GID, u64
	smcNLALgrDPeerExtGID  = 11 // SMC_NLA_LGR_D_PEER_EXT_GID, u64
	smcNLALgrDSndbufAlloc = 12 // SMC_NLA_LGR_D_SNDBUF_ALLOC, uint
	smcNLALgrDDMBAlloc    = 13 // SMC_NLA_LGR_D_DMB_ALLOC, uint
)

// SMC_NLA_DEV_PORT nested attributes.
const (
	smcNLADevPortPNETUsr = 1 // SMC_NLA_DEV_PORT_PNET_USR, u8
	smcNLADevPortPNETID  = 2 // SMC_NLA_DEV_PORT_PNETID, string
	smcNLADevPortNetdev  = 3 // SMC_NLA_DEV_PORT_NETDEV, u32
	smcNLADevPortState   = 4 // SMC_NLA_DEV_PORT_STATE, u8
	smcNLADevPortValid   = 5 // SMC_NLA_DEV_PORT_VALID, u8
	smcNLADevPortLnkCnt  = 6 // SMC_NLA_DEV_PORT_LNK_CNT, u32
)

// SMC_GEN_DEV_SMCD and SMC_GEN_DEV_SMCR attributes.
const (
	smcNLADevUseCnt    = 1  // SMC_NLA_DEV_USE_CNT, u32
	smcNLADevIsCrit    = 2  // SMC_NLA_DEV_IS_CRIT, u8
	smcNLADevPCIFID    = 3  // SMC_NLA_DEV_PCI_FID, u32
	smcNLADevPCIChid   = 4  // SMC_NLA_DEV_PCI_CHID, u16
	smcNLADevPCIVendor = 5  // SMC_NLA_DEV_PCI_VENDOR, u16
	smcNLADevPCIDevice = 6  // SMC_NLA_DEV_PCI_DEVICE, u16
	smcNLADevPCIID     = 7  // SMC_NLA_DEV_PCI_ID, string
	smcNLADevPort      = 8  // SMC_NLA_DEV_PORT, nest (port 1)
	smcNLADevPort2     = 9  // SMC_NLA_DEV_PORT2, nest (port 2)
	smcNLADevIBName    = 10 // SMC_NLA_DEV_IB_NAME, string
)

// SMC_NLA_STATS_T_{TX,RX}_RMB_SIZE and SMC_NLA_STATS_T_{TX,RX}PLOAD_SIZE
// nested attributes: SMC_NLA_STATS_PLOAD_8K (1) ... SMC_NLA_STATS_PLOAD_1024K
// (8), SMC_NLA_STATS_PLOAD_G_1024K (9), all u64.
const (
	smcNLAStatsPload8K     = 1 // SMC_NLA_STATS_PLOAD_8K
	smcNLAStatsPloadG1024K = 9 // SMC_NLA_STATS_PLOAD_G_1024K
)

// SMC_NLA_STATS_T_{TX,RX}_RMB_STATS nested attributes (all u64).
const (
	smcNLAStatsRMBSizeSmPeerCnt = 1 // SMC_NLA_STATS_RMB_SIZE_SM_PEER_CNT
	smcNLAStatsRMBSizeSmCnt     = 2 // SMC_NLA_STATS_RMB_SIZE_SM_CNT
	smcNLAStatsRMBFullPeerCnt   = 3 // SMC_NLA_STATS_RMB_FULL_PEER_CNT
	smcNLAStatsRMBFullCnt       = 4 // SMC_NLA_STATS_RMB_FULL_CNT
	smcNLAStatsRMBReuseCnt      = 5 // SMC_NLA_STATS_RMB_REUSE_CNT
	smcNLAStatsRMBAllocCnt      = 6 // SMC_NLA_STATS_RMB_ALLOC_CNT
	smcNLAStatsRMBDgradeCnt     = 7 // SMC_NLA_STATS_RMB_DGRADE_CNT
)

// SMC_NLA_STATS_SMCD_TECH and SMC_NLA_STATS_SMCR_TECH nested attributes.
const (
	smcNLAStatsTTxRMBSize   = 1  // SMC_NLA_STATS_T_TX_RMB_SIZE, nest
	smcNLAStatsTRxRMBSize   = 2  // SMC_NLA_STATS_T_RX_RMB_SIZE, nest
	smcNLAStatsTTxPloadSize = 3  // SMC_NLA_STATS_T_TXPLOAD_SIZE, nest
	smcNLAStatsTRxPloadSize = 4  // SMC_NLA_STATS_T_RXPLOAD_SIZE, nest
	smcNLAStatsTTxRMBStats  = 5  // SMC_NLA_STATS_T_TX_RMB_STATS, nest
	smcNLAStatsTRxRMBStats  = 6  // SMC_NLA_STATS_T_RX_RMB_STATS, nest
	smcNLAStatsTClntV1Succ  = 7  // SMC_NLA_STATS_T_CLNT_V1_SUCC, u64
	smcNLAStatsTClntV2Succ  = 8  // SMC_NLA_STATS_T_CLNT_V2_SUCC, u64
	smcNLAStatsTSrvV1Succ   = 9  // SMC_NLA_STATS_T_SRV_V1_SUCC, u64
	smcNLAStatsTSrvV2Succ   = 10 // SMC_NLA_STATS_T_SRV_V2_SUCC, u64
	smcNLAStatsTSendpageCnt = 11 // SMC_NLA_STATS_T_SENDPAGE_CNT, u64
	smcNLAStatsTSpliceCnt   = 12 // SMC_NLA_STATS_T_SPLICE_CNT, u64
	smcNLAStatsTCorkCnt     = 13 // SMC_NLA_STATS_T_CORK_CNT, u64
	smcNLAStatsTNdlyCnt     = 14 // SMC_NLA_STATS_T_NDLY_CNT, u64
	smcNLAStatsTUrgDataCnt  = 15 // SMC_NLA_STATS_T_URG_DATA_CNT, u64
	smcNLAStatsTRxBytes     = 16 // SMC_NLA_STATS_T_RX_BYTES, u64
	smcNLAStatsTTxBytes     = 17 // SMC_NLA_STATS_T_TX_BYTES, u64
	smcNLAStatsTRxCnt       = 18 // SMC_NLA_STATS_T_RX_CNT, u64
	smcNLAStatsTTxCnt       = 19 // SMC_NLA_STATS_T_TX_CNT, u64
	smcNLAStatsTRxRMBUsage  = 20 // SMC_NLA_STATS_T_RX_RMB_USAGE, uint (6.12)
	smcNLAStatsTTxRMBUsage  = 21 // SMC_NLA_STATS_T_TX_RMB_USAGE, uint (6.12)
)

// SMC_GEN_STATS attributes.
const (
	smcNLAStatsSMCDTech     = 1 // SMC_NLA_STATS_SMCD_TECH, nest
	smcNLAStatsSMCRTech     = 2 // SMC_NLA_STATS_SMCR_TECH, nest
	smcNLAStatsClntHSErrCnt = 3 // SMC_NLA_STATS_CLNT_HS_ERR_CNT, u64
	smcNLAStatsSrvHSErrCnt  = 4 // SMC_NLA_STATS_SRV_HS_ERR_CNT, u64
)

// SMC_GEN_FBACK_STATS attributes.
const (
	smcNLAFbackStatsType    = 1 // SMC_NLA_FBACK_STATS_TYPE, u8 (1 = server)
	smcNLAFbackStatsSrvCnt  = 2 // SMC_NLA_FBACK_STATS_SRV_CNT, u64
	smcNLAFbackStatsClntCnt = 3 // SMC_NLA_FBACK_STATS_CLNT_CNT, u64
	smcNLAFbackStatsRsnCode = 4 // SMC_NLA_FBACK_STATS_RSN_CODE, u32
	smcNLAFbackStatsRsnCnt  = 5 // SMC_NLA_FBACK_STATS_RSN_CNT, u16
)

// SMC_NETLINK_DUMP_UEID, _DUMP_SEID and _DUMP_HS_LIMITATION attributes.
const (
	smcNLAEIDTableEntry       = 1 // SMC_NLA_EID_TABLE_ENTRY, string
	smcNLASEIDEntry           = 1 // SMC_NLA_SEID_ENTRY, string
	smcNLASEIDEnabled         = 2 // SMC_NLA_SEID_ENABLED, u8
	smcNLAHSLimitationEnabled = 1 // SMC_NLA_HS_LIMITATION_ENABLED, u8
)

// The SMC_PNETID generic netlink family (the PNET table, `smc_pnet -s`):
// SMCR_GENL_FAMILY_NAME, command SMC_PNETID_GET and its attributes.
const (
	PNETIDFamilyName  = "SMC_PNETID" // SMCR_GENL_FAMILY_NAME
	PNETIDCmdGet      = 1            // SMC_PNETID_GET
	PNETIDAttrName    = 1            // SMC_PNETID_NAME, string
	PNETIDAttrEthName = 2            // SMC_PNETID_ETHNAME, string
	PNETIDAttrIBName  = 3            // SMC_PNETID_IBNAME, string
	PNETIDAttrIBPort  = 4            // SMC_PNETID_IBPORT, u8
)

// smc_diag extensions: the attribute types after struct smc_diag_msg and the
// bits of smc_diag_req.diag_ext (1 << (ext-1)), from
// include/uapi/linux/smc_diag.h.
const (
	smcDiagConnInfo = 1 // SMC_DIAG_CONNINFO, struct smc_diag_conninfo
	smcDiagLgrInfo  = 2 // SMC_DIAG_LGRINFO, struct smc_diag_lgrinfo
	smcDiagShutdown = 3 // SMC_DIAG_SHUTDOWN, u8
	smcDiagDMBInfo  = 4 // SMC_DIAG_DMBINFO, struct smcd_diag_dmbinfo
	smcDiagFallback = 5 // SMC_DIAG_FALLBACK, struct smc_diag_fallback
)
