/* placeholder until imageio lands */
int heic_imageio_placeholder(void);
int heic_imageio_placeholder(void) { return 0; }
