# Compiles the asn1c output in $(GEN) into the archive $(OUT).  Run by
# asn1/Makefile with CC, CFLAGS, CPPFLAGS and AR from configure.
SRCS := $(wildcard $(GEN)/*.c)
OBJS := $(SRCS:.c=.o)
GEN_CFLAGS = -D_DEFAULT_SOURCE -I$(GEN) -w
Q = $(if $(filter 1,$(V)),,@)

$(OUT): $(OBJS)
	$(Q)rm -f $@ && $(AR) crs $@ $(OBJS)
	@echo "  AR       asn1/$@ ($(words $(OBJS)) objects)"

$(GEN)/%.o: $(GEN)/%.c
	$(Q)$(CC) $(CPPFLAGS) $(GEN_CFLAGS) $(CFLAGS) -c -o $@ $<
